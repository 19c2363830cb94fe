// Blob names as the transfer panel shows them and as "keep both" renames them.

/** The last segment of a blob name: "docs/q1/a.pdf" -> "a.pdf". */
export function baseName(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Everything up to and including the last "/": "docs/q1/a.pdf" -> "docs/q1/". */
export function folderOf(name: string): string {
  return name.slice(0, name.lastIndexOf('/') + 1);
}

// Extensions that are one for a user: "backup (1).tar.gz", not "backup.tar (1).gz".
const compoundExtensions = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.zst'];

/**
 * The name "keep both" uploads as: "docs/report.pdf" with n = 2 -> "docs/report (2).pdf";
 * a name without an extension (or a dot file such as ".env") gets the number at its end.
 */
export function keepBothName(name: string, n: number): string {
  const folder = folderOf(name);
  const base = name.slice(folder.length);
  const lower = base.toLowerCase();
  let dot = -1;
  const compound = compoundExtensions.find((ext) => lower.endsWith(ext) && lower.length > ext.length);
  if (compound) dot = base.length - compound.length;
  else if (base.lastIndexOf('.') > 0) dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const extension = dot > 0 ? base.slice(dot) : '';
  return `${folder}${stem} (${n})${extension}`;
}
