import { blobPath, displayPath, locationPath, parentPrefix, parseBrowseUrl, parsePathInput } from '@/lib/paths';

/** What a browser keeps of a URL we navigate to: the encoded pathname and the search. */
function roundTrip(path: string) {
  const url = new URL(path, 'http://localhost');
  return parseBrowseUrl(url.pathname, url.search);
}

describe('locationPath and parseBrowseUrl', () => {
  const awkward = [
    'plain/',
    'with space/and more/',
    '100%/done/',
    'hash#tag/',
    'question?mark/',
    'plus+sign & ampersand/',
    '日本語/ファイル/',
    'emoji 🎉/',
    'semi;colon,comma=equals/',
    'a//double slash/',
    'percent%2Fnot-a-slash/',
  ];

  it.each(awkward)('round-trips the folder %s', (prefix) => {
    const path = locationPath({ connectionId: 7, container: 'docs', prefix });
    expect(path).not.toMatch(/[#? ]/);
    expect(roundTrip(path)).toEqual({ connectionId: 7, container: 'docs', prefix, item: undefined, filter: undefined });
  });

  it.each(['a b.txt', '100% done.txt', 'x#y?.txt', 'dir/日本語 #1?.txt', 'plus+.txt'])(
    'round-trips the open item %s',
    (item) => {
      const path = locationPath({ connectionId: 1, container: 'c1', prefix: 'dir/' }, item);
      expect(roundTrip(path)).toMatchObject({ container: 'c1', prefix: 'dir/', item });
    },
  );

  it('keeps the filter with the item', () => {
    const path = locationPath({ connectionId: 1, container: 'c1', prefix: '' }, 'a.txt', { filter: 'rep #1' });
    expect(roundTrip(path)).toMatchObject({ prefix: '', item: 'a.txt', filter: 'rep #1' });
  });

  it('puts folders with dot segments in the query, where browsers leave them alone', () => {
    for (const prefix of ['../', 'a/./b/', 'a/../']) {
      const path = locationPath({ connectionId: 2, container: 'c1', prefix });
      expect(path).toContain('?prefix=');
      expect(roundTrip(path)).toMatchObject({ container: 'c1', prefix });
    }
  });

  it('reads the connection alone, and refuses other paths', () => {
    expect(parseBrowseUrl('/c/3')).toEqual({ connectionId: 3, prefix: '', item: undefined, filter: undefined });
    expect(parseBrowseUrl('/connections')).toBeNull();
    expect(parseBrowseUrl('/c/abc/docs/')).toBeNull();
  });

  it('adds the trailing slash to a folder typed without one', () => {
    expect(parseBrowseUrl('/c/3/docs/reports')).toMatchObject({ prefix: 'reports/' });
  });

  it('builds a blob link in its folder', () => {
    expect(roundTrip(blobPath(4, 'docs', 'a/b/c.txt'))).toMatchObject({
      container: 'docs',
      prefix: 'a/b/',
      item: 'a/b/c.txt',
    });
    expect(roundTrip(blobPath(4, 'docs', 'top.txt'))).toMatchObject({ prefix: '', item: 'top.txt' });
  });

  it('names parents and display paths', () => {
    expect(parentPrefix('a/b/')).toBe('a/');
    expect(parentPrefix('a/b.txt')).toBe('a/');
    expect(parentPrefix('a/')).toBe('');
    expect(displayPath({ container: 'docs', prefix: 'a/' })).toBe('docs/a/');
  });
});

describe('parsePathInput', () => {
  it.each([
    ['docs', { container: 'docs', prefix: '' }],
    ['docs/', { container: 'docs', prefix: '' }],
    ['/docs/reports/2026/', { container: 'docs', prefix: 'reports/2026/' }],
    ['  docs/reports/  ', { container: 'docs', prefix: 'reports/' }],
    ['az://docs/reports/', { container: 'docs', prefix: 'reports/' }],
    ['docs/reports/q1.pdf', { container: 'docs', prefix: 'reports/q1.pdf/', blob: 'reports/q1.pdf' }],
    ['docs/100% done?.txt', { container: 'docs', prefix: '100% done?.txt/', blob: '100% done?.txt' }],
  ])('reads %s', (input, expected) => {
    expect(parsePathInput(input)).toEqual(expected);
  });

  it('reads blob service URLs, without their SAS or fragment', () => {
    expect(parsePathInput('https://acct.blob.core.windows.net/docs/reports/q%201.pdf?sv=2024&sig=abc')).toEqual({
      container: 'docs',
      prefix: 'reports/q 1.pdf/',
      blob: 'reports/q 1.pdf',
    });
    expect(parsePathInput('https://acct.blob.core.windows.net/docs/reports/#top')).toEqual({
      container: 'docs',
      prefix: 'reports/',
    });
    expect(parsePathInput('https://acct.blob.core.windows.net/docs')).toEqual({ container: 'docs', prefix: '' });
  });

  it('drops the account of path-style (emulator) URLs', () => {
    expect(parsePathInput('http://127.0.0.1:10000/devstoreaccount1/docs/a/')).toEqual({
      container: 'docs',
      prefix: 'a/',
    });
    expect(parsePathInput('http://localhost:10000/devstoreaccount1/docs')).toEqual({ container: 'docs', prefix: '' });
  });

  it("strips the connection's own endpoint", () => {
    expect(parsePathInput('https://proxy.example.com/storage/docs/a/', 'https://proxy.example.com/storage')).toEqual({
      container: 'docs',
      prefix: 'a/',
    });
  });

  it('refuses what names no container', () => {
    expect(parsePathInput('')).toBeNull();
    expect(parsePathInput('   ')).toBeNull();
    expect(parsePathInput('/')).toBeNull();
    expect(parsePathInput('https://acct.blob.core.windows.net/')).toBeNull();
  });
});
