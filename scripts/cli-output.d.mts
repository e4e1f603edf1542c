export function cliOutputOverlapsDist(root: string, cliOut: string | undefined, fromShell?: boolean): string | undefined;
export function cliOutputRefusal(root: string): string | undefined;
