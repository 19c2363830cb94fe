// The rows of a folder's listing: its folders first, then its blobs, built from the pages
// the API sent and the folders the user made in this session (not yet holding a blob).
import type { BlobItem, BlobList } from '@/features/browse/api/blobs';

export interface FolderEntry {
  kind: 'folder';
  /** Unique among the rows: "f:" + the folder's full prefix. */
  key: string;
  /** The folder's full prefix, ending with "/". */
  name: string;
  /** The name shown: relative to the current folder, without the trailing "/". */
  label: string;
  /** Made in this session; no blob in it yet. */
  pending?: boolean;
}

export interface BlobEntry {
  kind: 'blob';
  key: string; // "b:" + name
  name: string;
  label: string;
  blob: BlobItem;
}

export type Entry = FolderEntry | BlobEntry;

export function folderKey(prefix: string): string {
  return `f:${prefix}`;
}

export function blobKey(name: string): string {
  return `b:${name}`;
}

export function folderEntry(prefix: string, currentPrefix: string, pending = false): FolderEntry {
  const label = prefix.slice(currentPrefix.length).replace(/\/$/, '');
  return { kind: 'folder', key: folderKey(prefix), name: prefix, label, pending: pending || undefined };
}

/**
 * The rows for `currentPrefix` from the listing's pages. `pendingFolders` (full prefixes)
 * are shown too when they are direct children of this folder and match `filter`; a blob
 * named exactly like the folder (a folder marker some tools write) is not shown.
 */
export function entriesFromPages(
  pages: readonly BlobList[],
  currentPrefix: string,
  pendingFolders: readonly string[] = [],
  filter = '',
): Entry[] {
  const folders: FolderEntry[] = [];
  const blobs: BlobEntry[] = [];
  const seen = new Set<string>();
  for (const page of pages) {
    for (const prefix of page.prefixes) {
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      folders.push(folderEntry(prefix, currentPrefix));
    }
    for (const blob of page.items) {
      if (blob.name === currentPrefix) continue;
      blobs.push({
        kind: 'blob',
        key: blobKey(blob.name),
        name: blob.name,
        label: blob.name.slice(currentPrefix.length),
        blob,
      });
    }
  }
  for (const prefix of pendingFolders) {
    if (seen.has(prefix) || !prefix.startsWith(currentPrefix + filter)) continue;
    const rest = prefix.slice(currentPrefix.length);
    if (!rest || rest.indexOf('/') !== rest.length - 1) continue; // not a direct child
    seen.add(prefix);
    folders.push(folderEntry(prefix, currentPrefix, true));
  }
  if (pendingFolders.length) folders.sort((a, b) => compareNames(a.name, b.name));
  return [...folders, ...blobs];
}

/** The service's order: by code unit, which is what Azure's listing returns. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
