export function bundleIsFresh(root: string, bundle: string): boolean;
export function snapshotIsCurrent(root: string, bundle: string): boolean;
