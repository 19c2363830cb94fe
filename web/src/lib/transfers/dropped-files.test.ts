import { filesFromDataTransfer, filesFromInput } from '@/lib/transfers/dropped-files';

// Fake File and Directory Entries, as Chrome hands them out for a drop: directory readers answer
// in batches (Chrome: 100 at a time) until an empty batch.

function fileEntry(name: string, fail?: string): FileSystemFileEntry {
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath: `/${name}`,
    file: (resolve: (f: File) => void, reject?: (e: DOMException) => void) =>
      setTimeout(
        () => (fail ? reject?.(new DOMException(fail, 'NotReadableError')) : resolve(new File([name], name))),
        0,
      ),
  } as unknown as FileSystemFileEntry;
}

function dirEntry(
  name: string,
  children: FileSystemEntry[],
  options: { batch?: number; failAfter?: number } = {},
): FileSystemDirectoryEntry & { reads: number } {
  const self = {
    isFile: false,
    isDirectory: true,
    name,
    fullPath: `/${name}`,
    reads: 0,
    createReader: () => {
      let offset = 0;
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void, reject?: (e: DOMException) => void) => {
          self.reads += 1;
          setTimeout(() => {
            if (options.failAfter !== undefined && offset >= options.failAfter) {
              reject?.(new DOMException('The folder is gone.', 'NotFoundError'));
              return;
            }
            const size = options.batch ?? 100;
            const batch = children.slice(offset, offset + size);
            offset += batch.length;
            resolve(batch);
          }, 0);
        },
      };
    },
  };
  return self as unknown as FileSystemDirectoryEntry & { reads: number };
}

function dataTransfer(items: { entry?: FileSystemEntry | null; file?: File | null; kind?: string }[]): DataTransfer {
  const list = items.map((i) => ({
    kind: i.kind ?? 'file',
    webkitGetAsEntry: () => i.entry ?? null,
    getAsFile: () => i.file ?? null,
  }));
  return { items: Object.assign(list, { length: list.length }), files: [] } as unknown as DataTransfer;
}

describe('filesFromDataTransfer', () => {
  it('walks dropped folders recursively, keeping relative paths', async () => {
    const tree = dirEntry('photos', [
      fileEntry('a.jpg'),
      dirEntry('2024', [fileEntry('b.jpg'), dirEntry('raw', [fileEntry('c.cr2')]), dirEntry('empty', [])]),
    ]);
    const files = await filesFromDataTransfer(dataTransfer([{ entry: tree }, { entry: fileEntry('notes.txt') }]));
    expect(files.map((f) => f.relativePath)).toEqual([
      'photos/a.jpg',
      'photos/2024/b.jpg',
      'photos/2024/raw/c.cr2',
      'notes.txt',
    ]);
    expect(files.every((f) => f.file instanceof File && !f.unreadable)).toBe(true);
    expect(files[0]?.file.name).toBe('a.jpg');
  });

  it('calls readEntries until it answers an empty batch', async () => {
    const children = Array.from({ length: 250 }, (_, i) => fileEntry(`f${i}.txt`));
    const dir = dirEntry('many', children, { batch: 100 });
    const files = await filesFromDataTransfer(dataTransfer([{ entry: dir }]));
    expect(files).toHaveLength(250);
    expect(files[249]?.relativePath).toBe('many/f249.txt');
    expect(dir.reads).toBe(4); // 100 + 100 + 50 + the empty answer
  });

  it('reports unreadable files and folders instead of skipping them', async () => {
    const dir = dirEntry('docs', [fileEntry('ok.txt'), fileEntry('locked.txt', 'Permission denied')]);
    const broken = dirEntry('gone', [fileEntry('x.txt')], { failAfter: 0 });
    const files = await filesFromDataTransfer(dataTransfer([{ entry: dir }, { entry: broken }]));
    expect(files.map((f) => [f.relativePath, f.unreadable])).toEqual([
      ['docs/ok.txt', undefined],
      ['docs/locked.txt', 'Permission denied'],
      ['gone/', 'the folder could not be listed: The folder is gone.'],
    ]);
  });

  it('falls back to getAsFile, ignores dragged text, and reports an item without a file', async () => {
    const plain = new File(['x'], 'plain.txt');
    const files = await filesFromDataTransfer(dataTransfer([{ file: plain }, { kind: 'string' }, {}]));
    expect(files).toHaveLength(2);
    expect(files[0]).toEqual({ file: plain, relativePath: 'plain.txt' });
    expect(files[1]?.unreadable).toMatch(/no file/);
  });

  it('uses dataTransfer.files when there are no items', async () => {
    const a = new File(['a'], 'a.txt');
    const files = await filesFromDataTransfer({ items: undefined, files: [a] } as unknown as DataTransfer);
    expect(files).toEqual([{ file: a, relativePath: 'a.txt' }]);
  });
});

describe('filesFromInput', () => {
  it('keeps webkitRelativePath for a folder pick and the name otherwise', () => {
    const inFolder = new File(['a'], 'a.txt');
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'photos/2024/a.txt' });
    const single = new File(['b'], 'b.txt');
    const list = Object.assign([inFolder, single], {
      item: (i: number) => [inFolder, single][i] ?? null,
    }) as unknown as FileList;
    expect(filesFromInput(list)).toEqual([
      { file: inFolder, relativePath: 'photos/2024/a.txt' },
      { file: single, relativePath: 'b.txt' },
    ]);
  });
});
