// Folders made with "New folder" exist only in this browser tab until a blob lands in them
// (Azure has no empty folders). They live in sessionStorage, so a reload keeps them.
import { useMemo, useSyncExternalStore } from 'react';

const storageKey = 'cerulean.pending-folders';

interface PendingFolder {
  connectionId: number;
  container: string;
  prefix: string;
}

const listeners = new Set<() => void>();
let cache: PendingFolder[] | null = null;

function read(): PendingFolder[] {
  if (cache) return cache;
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(storageKey) ?? '[]');
    cache = Array.isArray(parsed) ? (parsed as PendingFolder[]) : [];
  } catch {
    cache = [];
  }
  return cache;
}

function write(folders: PendingFolder[]): void {
  cache = folders;
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(folders));
  } catch {
    // storage full or refused: keep them for this page's life
  }
  for (const listener of listeners) listener();
}

function same(a: PendingFolder, connectionId: number, container: string): boolean {
  return a.connectionId === connectionId && a.container === container;
}

export function addPendingFolder(connectionId: number, container: string, prefix: string): void {
  const folders = read();
  if (folders.some((f) => same(f, connectionId, container) && f.prefix === prefix)) return;
  write([...folders, { connectionId, container, prefix }]);
}

/** Forgets folders: these exactly, or with `subtree` the folders inside them too (after a delete or a move). */
export function removePendingFolders(
  connectionId: number,
  container: string,
  prefixes: readonly string[],
  { subtree = true }: { subtree?: boolean } = {},
): void {
  const folders = read();
  const gone = (prefix: string) => prefixes.some((p) => (subtree ? prefix.startsWith(p) : prefix === p));
  const next = folders.filter((f) => !(same(f, connectionId, container) && gone(f.prefix)));
  if (next.length !== folders.length) write(next);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The pending folders' prefixes in one container. */
export function usePendingFolders(connectionId: number, container: string): string[] {
  const all = useSyncExternalStore(subscribe, read, read);
  return useMemo(
    () => all.filter((f) => same(f, connectionId, container)).map((f) => f.prefix),
    [all, connectionId, container],
  );
}

/** For tests. */
export function resetPendingFolders(): void {
  cache = null;
  sessionStorage.removeItem(storageKey);
  for (const listener of listeners) listener();
}
