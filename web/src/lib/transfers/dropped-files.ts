// Files from a drop or a file input, with the paths they will have under the target folder.
// Dropped folders are walked through the File and Directory Entries API; every entry that cannot
// be read comes back marked `unreadable` (the queue shows it as a failed row), never dropped.

import type { UploadFile } from '@/lib/transfers/transfer-queue';

type Root = { entry: FileSystemEntry } | { file: File } | { missing: string };

function reason(error: unknown): string {
  if (error instanceof Error || error instanceof DOMException) return error.message || error.name;
  return String(error ?? 'unknown error');
}

function unreadable(path: string, name: string, error: unknown): UploadFile {
  return { file: new File([], name), relativePath: path, unreadable: reason(error) };
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, parent: string): Promise<UploadFile[]> {
  const path = parent + entry.name;
  if (entry.isFile) {
    try {
      return [{ file: await fileOf(entry as FileSystemFileEntry), relativePath: path }];
    } catch (error) {
      return [unreadable(path, entry.name, error)];
    }
  }
  if (!entry.isDirectory) return [unreadable(path, entry.name, new Error('neither a file nor a folder'))];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: UploadFile[] = [];
  // readEntries answers in batches (Chrome: 100 entries); an empty batch means the end.
  for (;;) {
    let batch: FileSystemEntry[];
    try {
      batch = await readBatch(reader);
    } catch (error) {
      out.push(unreadable(`${path}/`, entry.name, new Error(`the folder could not be listed: ${reason(error)}`)));
      break;
    }
    if (batch.length === 0) break;
    const parts = await Promise.all(batch.map((child) => walk(child, `${path}/`)));
    for (const part of parts) out.push(...part);
  }
  return out;
}

/** Files (and whole folders, walked recursively) from a drop's DataTransfer, with relative paths. */
export async function filesFromDataTransfer(dataTransfer: DataTransfer): Promise<UploadFile[]> {
  // Take the entries before the first await: a DataTransfer is emptied when the drop event ends.
  const roots: Root[] = [];
  const items = dataTransfer.items as DataTransferItemList | undefined;
  if (items && items.length > 0) {
    for (const item of Array.from(items)) {
      if (item.kind !== 'file') continue; // dragged text or links, not files
      const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
      if (entry) {
        roots.push({ entry });
        continue;
      }
      const file = item.getAsFile();
      if (file) roots.push({ file });
      else roots.push({ missing: `dropped item ${roots.length + 1}` });
    }
  } else {
    for (const file of Array.from(dataTransfer.files)) roots.push({ file });
  }
  const parts = await Promise.all(
    roots.map((root) => {
      if ('file' in root) return [{ file: root.file, relativePath: root.file.name }];
      if ('missing' in root)
        return [unreadable(root.missing, root.missing, new Error('the browser gave no file for it'))];
      return walk(root.entry, '');
    }),
  );
  return parts.flat();
}

/** Files from an <input type=file> (with `webkitdirectory` their webkitRelativePath is kept). */
export function filesFromInput(list: FileList): UploadFile[] {
  return Array.from(list, (file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}
