// Sorting what is loaded of a listing. Folders stay first whatever the column; the default
// (name, ascending) is the service's own order, so it stays true while more pages arrive.
import { compareNames, type Entry } from '@/features/browse/listing-entries';

export type SortKey = 'name' | 'size' | 'modified' | 'type' | 'tier';
export type SortDirection = 'ascending' | 'descending';

export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export const defaultSort: SortState = { key: 'name', direction: 'ascending' };

/** True when the order is the service's: sorting the loaded pages gives the final order. */
export function isServerOrder(sort: SortState): boolean {
  return sort.key === 'name' && sort.direction === 'ascending';
}

/** Clicking a column: the same one flips the direction, another starts ascending. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: key === 'modified' || key === 'size' ? 'descending' : 'ascending' };
}

type Value = string | number | null;

function valueOf(entry: Entry, key: SortKey): Value {
  if (entry.kind === 'folder') return key === 'name' ? entry.name : null;
  const blob = entry.blob;
  switch (key) {
    case 'name':
      return entry.name;
    case 'size':
      return blob.size;
    case 'modified':
      return blob.last_modified ? Date.parse(blob.last_modified) : null;
    case 'type':
      return blob.content_type || null;
    case 'tier':
      return blob.access_tier || null;
  }
}

function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareNames(String(a), String(b));
}

/**
 * The entries in the order asked. Folders come first, by name (in the column's direction
 * when sorting by name); blobs without a value for the column come last either way; ties
 * keep their name order.
 */
export function sortEntries(entries: readonly Entry[], sort: SortState): Entry[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const decorated = entries.map((entry, index) => ({ entry, index, value: valueOf(entry, sort.key) }));
  decorated.sort((x, y) => {
    if (x.entry.kind !== y.entry.kind) return x.entry.kind === 'folder' ? -1 : 1;
    if (x.entry.kind === 'folder') {
      const byName = compareNames(x.entry.name, y.entry.name);
      return sort.key === 'name' ? sign * byName : byName;
    }
    if (x.value === null || y.value === null) {
      if (x.value !== y.value) return x.value === null ? 1 : -1;
      return x.index - y.index;
    }
    const order = compareValues(x.value, y.value);
    return order !== 0 ? sign * order : x.index - y.index;
  });
  return decorated.map((d) => d.entry);
}
