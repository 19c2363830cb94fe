import {
  Button,
  makeStyles,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  mergeClasses,
  Skeleton,
  SkeletonItem,
  Spinner,
  Text,
  tokens,
  Tooltip,
} from '@fluentui/react-components';
import {
  ArrowDownloadRegular,
  CheckmarkRegular,
  ChevronDownRegular,
  CopyRegular,
  DismissRegular,
  EditRegular,
  FolderOpenRegular,
  ShareRegular,
} from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { blobPropertiesQuery, type BlobProperties, type BlobRef } from '@/features/browse/api/blob-properties';
import { listAllBlobs } from '@/features/browse/api/blobs';
import { EntryIcon } from '@/features/browse/components/entry-icon';
import { HeadersEditor } from '@/features/browse/components/headers-editor';
import { MetadataEditor } from '@/features/browse/components/metadata-editor';
import { previewKind } from '@/features/browse/preview-kind';
import type { Connection } from '@/lib/api/connections';
import { ProblemError } from '@/lib/api/problem';
import { formatAbsolute, formatBytes, formatCount, formatRelative } from '@/lib/format';
import { baseName, locationPath } from '@/lib/paths';

const BlobPreview = lazy(() => import('@/features/browse/components/blob-preview'));

const useStyles = makeStyles({
  pane: {
    display: 'flex',
    flexDirection: 'column',
    width: '380px',
    flexShrink: 0,
    minHeight: 0,
    borderLeft: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  wide: { width: '440px' },
  overlay: {
    position: 'absolute',
    inset: 0,
    zIndex: 10,
    width: 'auto',
    borderLeft: 'none',
    boxShadow: tokens.shadow16,
  },
  head: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM} ${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
  },
  headIcon: { fontSize: '24px', flexShrink: 0, marginTop: '2px', color: tokens.colorNeutralForeground3 },
  titles: { flexGrow: 1, minWidth: 0 },
  title: {
    margin: 0,
    fontSize: tokens.fontSizeBase400,
    lineHeight: tokens.lineHeightBase400,
    fontWeight: tokens.fontWeightSemibold,
    wordBreak: 'break-word',
  },
  path: { color: tokens.colorNeutralForeground3, overflowWrap: 'anywhere', fontSize: tokens.fontSizeBase200 },
  actions: {
    display: 'flex',
    gap: tokens.spacingHorizontalXS,
    flexWrap: 'wrap',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalL} ${tokens.spacingVerticalM}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  folderActions: { display: 'flex', gap: tokens.spacingHorizontalXS, paddingTop: tokens.spacingVerticalS },
  scroll: {
    overflowY: 'auto',
    flexGrow: 1,
    minHeight: 0,
    padding: `0 ${tokens.spacingHorizontalL} ${tokens.spacingVerticalXL}`,
  },
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    marginTop: tokens.spacingVerticalL,
  },
  sectionHead: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', minHeight: '24px' },
  sectionTitle: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  props: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
    fontSize: tokens.fontSizeBase200,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, overflowWrap: 'anywhere', color: tokens.colorNeutralForeground1 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  muted: { color: tokens.colorNeutralForeground3 },
  noPreview: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalL,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground3,
  },
});

function base64ToHex(base64: string): string {
  try {
    return Array.from(atob(base64), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } catch {
    return '';
  }
}

function Prop({ term, children, mono }: { term: string; children: ReactNode; mono?: boolean }) {
  const styles = useStyles();
  return (
    <>
      <dt className={styles.term}>{term}</dt>
      <dd className={mergeClasses(styles.value, mono && styles.mono)}>
        {children ?? <span className={styles.muted}>—</span>}
      </dd>
    </>
  );
}

function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return null;
  return (
    <span title={formatAbsolute(iso)}>
      {formatAbsolute(iso)} ({formatRelative(iso)})
    </span>
  );
}

/** Copy to the clipboard, saying "Copied" for a moment. */
function useCopied(): [string | null, (what: string, text: string) => void] {
  const [copied, setCopied] = useState<string | null>(null);
  return [
    copied,
    (what, text) => {
      void navigator.clipboard.writeText(text).then(
        () => {
          setCopied(what);
          setTimeout(() => setCopied(null), 2000);
        },
        () => setCopied(null),
      );
    },
  ];
}

function blobUrl(connection: Connection | undefined, container: string, name: string): string | null {
  if (!connection) return null;
  return `${connection.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(container)}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

function BlobDetails({
  blob,
  properties,
  connection,
  onDownload,
  onShare,
}: {
  blob: BlobRef;
  properties: BlobProperties;
  connection: Connection | undefined;
  onDownload: () => void;
  onShare: () => void;
}) {
  const styles = useStyles();
  const [editingHeaders, setEditingHeaders] = useState(false);
  const [copied, copy] = useCopied();
  const kind = previewKind(blob.name, properties.content_type);
  const url = blobUrl(connection, blob.container, blob.name);
  const md5 = properties.content_md5;

  return (
    <>
      <div className={styles.actions}>
        <Button size="small" appearance="primary" icon={<ArrowDownloadRegular />} onClick={onDownload}>
          Download
        </Button>
        <Button size="small" icon={<ShareRegular />} onClick={onShare}>
          Share
        </Button>
        <Menu>
          <MenuTrigger disableButtonEnhancement>
            <Button size="small" icon={copied ? <CheckmarkRegular /> : <CopyRegular />} iconPosition="before">
              {copied ? 'Copied' : 'Copy'} <ChevronDownRegular style={{ marginLeft: 4 }} aria-hidden />
            </Button>
          </MenuTrigger>
          <MenuPopover>
            <MenuList>
              {url ? <MenuItem onClick={() => copy('url', url)}>Blob URL (no access token)</MenuItem> : null}
              <MenuItem onClick={() => copy('path', `${blob.container}/${blob.name}`)}>Path (container/name)</MenuItem>
              <MenuItem onClick={() => copy('link', window.location.href)}>Link to this page</MenuItem>
            </MenuList>
          </MenuPopover>
        </Menu>
      </div>
      <div className={styles.scroll}>
        <section className={styles.section} aria-labelledby="pane-preview">
          <h3 id="pane-preview" className={styles.sectionTitle}>
            Preview
          </h3>
          {kind ? (
            <Suspense
              fallback={
                <Skeleton>
                  <SkeletonItem style={{ height: 160 }} />
                </Skeleton>
              }
            >
              <BlobPreview
                key={`${blob.name}:${properties.etag}`}
                blob={blob}
                kind={kind}
                size={properties.size}
                onDownload={onDownload}
              />
            </Suspense>
          ) : (
            <div className={styles.noPreview}>
              <Text>No preview for this type.</Text>
              <Button size="small" icon={<ArrowDownloadRegular />} onClick={onDownload}>
                Download
              </Button>
            </div>
          )}
        </section>

        <section className={styles.section} aria-labelledby="pane-properties">
          <h3 id="pane-properties" className={styles.sectionTitle}>
            Properties
          </h3>
          <dl className={styles.props}>
            <Prop term="Size">
              {formatBytes(properties.size)} ({properties.size.toLocaleString()} bytes)
            </Prop>
            <Prop term="Modified">
              <Time iso={properties.last_modified} />
            </Prop>
            <Prop term="Created">{properties.created_on ? <Time iso={properties.created_on} /> : null}</Prop>
            <Prop term="Tier">{properties.access_tier}</Prop>
            <Prop term="Blob type">{properties.blob_type}</Prop>
            <Prop term="Lease">
              {properties.lease_state || properties.lease_status
                ? [properties.lease_state, properties.lease_status].filter(Boolean).join(', ')
                : null}
            </Prop>
            <Prop term="ETag" mono>
              {properties.etag}
            </Prop>
            <Prop term="MD5 (base64)" mono>
              {md5}
            </Prop>
            <Prop term="MD5 (hex)" mono>
              {md5 ? base64ToHex(md5) : null}
            </Prop>
          </dl>
        </section>

        <section className={styles.section} aria-labelledby="pane-headers">
          <div className={styles.sectionHead}>
            <h3 id="pane-headers" className={styles.sectionTitle}>
              HTTP headers
            </h3>
            {editingHeaders ? null : (
              <Button size="small" appearance="subtle" icon={<EditRegular />} onClick={() => setEditingHeaders(true)}>
                Edit
              </Button>
            )}
          </div>
          {editingHeaders ? (
            <HeadersEditor blob={blob} properties={properties} onDone={() => setEditingHeaders(false)} />
          ) : (
            <dl className={styles.props}>
              <Prop term="Content type">{properties.content_type}</Prop>
              <Prop term="Cache control">{properties.cache_control}</Prop>
              <Prop term="Disposition">{properties.content_disposition}</Prop>
              <Prop term="Encoding">{properties.content_encoding}</Prop>
              <Prop term="Language">{properties.content_language}</Prop>
            </dl>
          )}
        </section>

        <section className={styles.section} aria-labelledby="pane-metadata">
          <h3 id="pane-metadata" className={styles.sectionTitle}>
            Metadata
          </h3>
          <MetadataEditor key={blob.name} blob={blob} metadata={properties.metadata} />
        </section>
      </div>
    </>
  );
}

function FolderDetails({
  connectionId,
  container,
  prefix,
}: {
  connectionId: number;
  container: string;
  prefix: string;
}) {
  const styles = useStyles();
  const navigate = useNavigate();
  const [counting, setCounting] = useState(false);
  const summary = useQuery({
    queryKey: ['blobs', connectionId, container, prefix, 'summary'],
    queryFn: async ({ signal }) => {
      const blobs = await listAllBlobs({ connectionId, container, prefix }, { signal });
      return { count: blobs.length, bytes: blobs.reduce((n, b) => n + b.size, 0) };
    },
    enabled: counting,
  });
  return (
    <div className={styles.scroll}>
      <div className={styles.folderActions}>
        <Button
          size="small"
          appearance="primary"
          icon={<FolderOpenRegular />}
          onClick={() => navigate(locationPath({ connectionId, container, prefix }))}
        >
          Open
        </Button>
      </div>
      <section className={styles.section}>
        <dl className={styles.props}>
          <Prop term="Type">Folder</Prop>
          <Prop term="Path">
            {container}/{prefix}
          </Prop>
          <Prop term="Contents">
            {summary.data ? (
              `${formatCount(summary.data.count, 'blob')}, ${formatBytes(summary.data.bytes)}`
            ) : summary.isFetching ? (
              <Spinner size="extra-tiny" label="Counting…" />
            ) : summary.isError ? (
              <Text className={styles.muted}>{summary.error.message}</Text>
            ) : (
              <Button size="small" appearance="secondary" onClick={() => setCounting(true)}>
                Count blobs and size
              </Button>
            )}
          </Prop>
        </dl>
      </section>
    </div>
  );
}

/**
 * The properties and preview of the open item (`?item=`), at the right of the listing (a
 * full-width overlay at phone width).
 */
export function PropertiesPane({
  connectionId,
  container,
  item,
  connection,
  overlay,
  wide,
  onClose,
  onDownload,
  onShare,
}: {
  connectionId: number;
  container: string;
  /** The blob's name, or a folder's prefix (ending with "/"). */
  item: string;
  connection: Connection | undefined;
  overlay?: boolean;
  wide?: boolean;
  onClose: () => void;
  onDownload: (name: string) => void;
  onShare: (name: string) => void;
}) {
  const styles = useStyles();
  const isFolder = item.endsWith('/');
  const blob: BlobRef = { connectionId, container, name: item };
  const properties = useQuery({ ...blobPropertiesQuery(blob), enabled: !isFolder });
  const gone = properties.error instanceof ProblemError && properties.error.code === 'blob_not_found';

  return (
    <aside
      className={mergeClasses(styles.pane, wide && styles.wide, overlay && styles.overlay)}
      aria-label={`Properties of ${baseName(item)}`}
    >
      <div className={styles.head}>
        <EntryIcon
          kind={isFolder ? 'folder' : 'blob'}
          name={item}
          contentType={properties.data?.content_type}
          className={styles.headIcon}
        />
        <div className={styles.titles}>
          <h2 className={styles.title}>{baseName(item) || item}</h2>
          <Text className={styles.path} block>
            {container}/{item}
          </Text>
        </div>
        <Tooltip content="Close (Esc)" relationship="label">
          <Button appearance="subtle" icon={<DismissRegular />} onClick={onClose} />
        </Tooltip>
      </div>
      {isFolder ? (
        <FolderDetails connectionId={connectionId} container={container} prefix={item} />
      ) : properties.isPending ? (
        <Skeleton
          aria-label="Loading the properties"
          style={{ padding: 16, display: 'flex', flexDirection: 'column', gap: 10 }}
        >
          <SkeletonItem style={{ height: 160 }} />
          {Array.from({ length: 7 }, (_, i) => (
            <SkeletonItem key={i} size={12} />
          ))}
        </Skeleton>
      ) : gone ? (
        <EmptyState title="This blob no longer exists" actions={<Button onClick={onClose}>Close</Button>}>
          It may have been deleted, moved or renamed.
        </EmptyState>
      ) : properties.isError ? (
        <ErrorState
          error={properties.error}
          title="The properties could not be read"
          onRetry={() => void properties.refetch()}
        />
      ) : (
        <BlobDetails
          blob={blob}
          properties={properties.data}
          connection={connection}
          onDownload={() => onDownload(item)}
          onShare={() => onShare(item)}
        />
      )}
    </aside>
  );
}
