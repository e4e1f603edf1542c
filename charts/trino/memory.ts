/** Heap as a share of the container limit, in MiB: the rest is for metaspace, threads, direct buffers. */
export function heapMiB(memoryGiB: number): number {
  return Math.floor(memoryGiB * 1024 * 0.75);
}
