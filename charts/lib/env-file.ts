/** The source file of environment `name`, as errors and generated files name it. */
export const envFile = (name: string) => `environments/${name}.ts`;
