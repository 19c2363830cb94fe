import { tokens } from '@fluentui/react-components';
import {
  CodeRegular,
  DocumentPdfRegular,
  DocumentRegular,
  DocumentTextRegular,
  FolderAddRegular,
  FolderFilled,
  FolderZipRegular,
  ImageRegular,
  MusicNote2Regular,
  TableRegular,
  VideoRegular,
} from '@fluentui/react-icons';

import { previewKind } from '@/features/browse/preview-kind';

const archive = /\.(zip|gz|tgz|bz2|xz|7z|rar|tar|zst)$/i;
const code =
  /\.(js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|java|kt|c|h|cc|cpp|hpp|cs|php|sh|ps1|sql|json|ya?ml|toml|xml|html?|css)$/i;
const table = /\.(csv|tsv|xlsx?|parquet|ods)$/i;

/** The icon of a row: a folder, or a file by its type. */
export function EntryIcon({
  kind,
  name,
  contentType,
  pending,
  className,
}: {
  kind: 'folder' | 'blob';
  name: string;
  contentType?: string | null;
  pending?: boolean;
  className?: string;
}) {
  if (kind === 'folder') {
    return pending ? (
      <FolderAddRegular className={className} aria-hidden />
    ) : (
      <FolderFilled className={className} aria-hidden style={{ color: tokens.colorPaletteMarigoldBorderActive }} />
    );
  }
  if (archive.test(name)) return <FolderZipRegular className={className} aria-hidden />;
  if (table.test(name)) return <TableRegular className={className} aria-hidden />;
  if (code.test(name)) return <CodeRegular className={className} aria-hidden />;
  switch (previewKind(name, contentType)) {
    case 'image':
      return <ImageRegular className={className} aria-hidden />;
    case 'video':
      return <VideoRegular className={className} aria-hidden />;
    case 'audio':
      return <MusicNote2Regular className={className} aria-hidden />;
    case 'pdf':
      return <DocumentPdfRegular className={className} aria-hidden />;
    case 'text':
      return <DocumentTextRegular className={className} aria-hidden />;
    default:
      return <DocumentRegular className={className} aria-hidden />;
  }
}
