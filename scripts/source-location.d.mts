export function sourceLocation(error: unknown, bundle: string, root: string): string | undefined;
