import type { BlobItem, BlobList } from '@/features/browse/api/blobs';
import { entriesFromPages, type Entry } from '@/features/browse/listing-entries';
import { isServerOrder, nextSort, sortEntries } from '@/features/browse/sorting';

function blob(
  name: string,
  size: number,
  modified: string | null,
  type: string | null = 'text/plain',
  tier: string | null = 'Hot',
): BlobItem {
  return {
    name,
    size,
    last_modified: modified,
    content_type: type,
    access_tier: tier,
    blob_type: 'BlockBlob',
    content_md5: null,
    etag: '"x"',
  };
}

const page: BlobList = {
  prefixes: ['d/zeta/', 'd/alpha/'],
  items: [
    blob('d/b.txt', 300, '2026-01-02T00:00:00Z', 'text/plain', 'Cool'),
    blob('d/a.txt', 100, '2026-01-03T00:00:00Z', null, null),
    blob('d/c.txt', 200, null, 'application/json', 'Hot'),
    blob('d/', 0, null), // a folder marker: not shown
  ],
  next_marker: null,
};

const names = (entries: Entry[]) => entries.map((e) => e.label);

describe('entriesFromPages', () => {
  it('puts folders first and keeps the rest in the service order', () => {
    expect(names(entriesFromPages([page], 'd/'))).toEqual(['zeta', 'alpha', 'b.txt', 'a.txt', 'c.txt']);
  });

  it('adds pending folders that are direct children, once', () => {
    const entries = entriesFromPages([page], 'd/', ['d/new/', 'd/alpha/', 'd/new/deeper/', 'other/x/']);
    expect(names(entries)).toEqual(['alpha', 'new', 'zeta', 'b.txt', 'a.txt', 'c.txt']);
    expect(entries.find((e) => e.label === 'new')).toMatchObject({ kind: 'folder', pending: true });
  });

  it('keeps pending folders that match the filter only', () => {
    expect(names(entriesFromPages([], 'd/', ['d/new/', 'd/old/'], 'ne'))).toEqual(['new']);
  });
});

describe('sortEntries', () => {
  const entries = entriesFromPages([page], 'd/');

  it('sorts by name both ways, folders first', () => {
    expect(names(sortEntries(entries, { key: 'name', direction: 'ascending' }))).toEqual([
      'alpha',
      'zeta',
      'a.txt',
      'b.txt',
      'c.txt',
    ]);
    expect(names(sortEntries(entries, { key: 'name', direction: 'descending' }))).toEqual([
      'zeta',
      'alpha',
      'c.txt',
      'b.txt',
      'a.txt',
    ]);
  });

  it('sorts by size and by modified time, blanks last', () => {
    expect(names(sortEntries(entries, { key: 'size', direction: 'descending' }))).toEqual([
      'alpha',
      'zeta',
      'b.txt',
      'c.txt',
      'a.txt',
    ]);
    expect(names(sortEntries(entries, { key: 'modified', direction: 'ascending' }))).toEqual([
      'alpha',
      'zeta',
      'b.txt',
      'a.txt',
      'c.txt',
    ]);
    expect(names(sortEntries(entries, { key: 'modified', direction: 'descending' }))).toEqual([
      'alpha',
      'zeta',
      'a.txt',
      'b.txt',
      'c.txt',
    ]);
  });

  it('sorts by content type and tier, blanks last', () => {
    expect(names(sortEntries(entries, { key: 'type', direction: 'ascending' }))).toEqual([
      'alpha',
      'zeta',
      'c.txt',
      'b.txt',
      'a.txt',
    ]);
    expect(names(sortEntries(entries, { key: 'tier', direction: 'ascending' }))).toEqual([
      'alpha',
      'zeta',
      'b.txt',
      'c.txt',
      'a.txt',
    ]);
  });

  it('knows which order is the service’s own', () => {
    expect(isServerOrder({ key: 'name', direction: 'ascending' })).toBe(true);
    expect(isServerOrder({ key: 'size', direction: 'ascending' })).toBe(false);
    expect(nextSort({ key: 'name', direction: 'ascending' }, 'name')).toEqual({ key: 'name', direction: 'descending' });
    expect(nextSort({ key: 'name', direction: 'ascending' }, 'size')).toEqual({ key: 'size', direction: 'descending' });
  });
});
