export function cliOutputRefusal(root: string): string | undefined;
