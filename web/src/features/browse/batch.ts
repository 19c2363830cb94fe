// Runs many small API calls (deletes, copies) a few at a time, and expands a selection
// (folders included) into the blobs it stands for.
import { listAllBlobs, type FolderRef } from '@/features/browse/api/blobs';
import type { Entry } from '@/features/browse/listing-entries';

export interface BatchFailure<T> {
  item: T;
  error: unknown;
}

/**
 * Calls `work` for every item, at most `concurrency` at once. Stops starting new ones when
 * `signal` aborts. Returns the failures; `onSettled` hears each item as it finishes.
 */
export async function runBatch<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  options: { concurrency?: number; signal?: AbortSignal; onSettled?: (item: T, error?: unknown) => void } = {},
): Promise<BatchFailure<T>[]> {
  const failures: BatchFailure<T>[] = [];
  let next = 0;
  async function lane() {
    while (next < items.length && !options.signal?.aborted) {
      const item = items[next++] as T;
      try {
        await work(item);
        options.onSettled?.(item);
      } catch (error) {
        failures.push({ item, error });
        options.onSettled?.(item, error);
      }
    }
  }
  const lanes = Array.from({ length: Math.min(options.concurrency ?? 6, items.length) }, lane);
  await Promise.all(lanes);
  return failures;
}

export interface ExpandedSelection {
  /** Every blob name the selection stands for (a folder: all blobs under it). */
  blobs: string[];
  /** How many blobs each selected folder holds. */
  perFolder: Map<string, number>;
}

/** The blobs a selection stands for, listing each folder's whole subtree (no delimiter). */
export async function expandSelection(
  folder: Omit<FolderRef, 'prefix'>,
  entries: readonly Entry[],
  options: { signal?: AbortSignal; onProgress?: (count: number) => void } = {},
): Promise<ExpandedSelection> {
  const blobs: string[] = [];
  const perFolder = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind === 'blob') {
      blobs.push(entry.name);
      options.onProgress?.(blobs.length);
    }
  }
  for (const entry of entries) {
    if (entry.kind !== 'folder') continue;
    if (entry.pending) {
      perFolder.set(entry.name, 0);
      continue;
    }
    const before = blobs.length;
    const under = await listAllBlobs(
      { ...folder, prefix: entry.name },
      { signal: options.signal, onProgress: (n) => options.onProgress?.(before + n) },
    );
    for (const blob of under) blobs.push(blob.name);
    perFolder.set(entry.name, under.length);
  }
  return { blobs, perFolder };
}
