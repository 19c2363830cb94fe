import {
  Badge,
  Button,
  Field,
  makeStyles,
  SearchBox,
  Skeleton,
  SkeletonItem,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
  Tooltip,
} from '@fluentui/react-components';
import {
  AddRegular,
  ArrowClockwiseRegular,
  ArchiveRegular,
  DeleteRegular,
  GlobeRegular,
  LockClosedRegular,
} from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link as RouterLink, useNavigate, useParams } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { VisuallyHidden } from '@/components/visually-hidden';
import { useContainers, type ContainerItem } from '@/features/browse/api/containers';
import { ConnectionProblem, connectionProblemOf } from '@/features/browse/components/connection-problem';
import { CreateContainerDialog } from '@/features/browse/components/create-container-dialog';
import { DeleteContainerDialog } from '@/features/browse/components/delete-container-dialog';
import { connectionQuery } from '@/lib/api/connections';
import { ProblemError } from '@/lib/api/problem';
import { formatAbsolute, formatCount, formatRelative } from '@/lib/format';
import { useDebouncedValue } from '@/lib/hooks/use-debounced-value';
import { useMediaQuery } from '@/lib/hooks/use-media-query';
import { locationPath } from '@/lib/paths';
import { rememberConnection } from '@/lib/selected-connection';

const useStyles = makeStyles({
  page: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`,
    maxWidth: '1100px',
  },
  pageNarrow: { padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}` },
  header: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  titles: { flexGrow: 1, minWidth: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  title: { margin: 0 },
  subtitle: {
    color: tokens.colorNeutralForeground3,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
  toolbar: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  filter: { flexGrow: 1, maxWidth: '360px', minWidth: '200px' },
  count: { color: tokens.colorNeutralForeground3, marginLeft: 'auto', paddingBottom: tokens.spacingVerticalXS },
  nameCell: { minWidth: 0 },
  nameLink: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    maxWidth: '100%',
    color: tokens.colorBrandForegroundLink,
    textDecoration: 'none',
    fontWeight: tokens.fontWeightSemibold,
    ':hover': { textDecoration: 'underline' },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, borderRadius: tokens.borderRadiusSmall },
  },
  nameText: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  icon: { fontSize: '20px', flexShrink: 0, color: tokens.colorNeutralForeground3 },
  more: { display: 'flex', justifyContent: 'center', padding: tokens.spacingVerticalM },
  skeletonRow: {
    display: 'grid',
    gridTemplateColumns: '3fr 1fr 1fr 40px',
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} 0`,
  },
});

function AccessBadge({ access, short }: { access: ContainerItem['public_access']; short?: boolean }) {
  if (!access) {
    return (
      <Badge appearance="tint" color="informative" icon={<LockClosedRegular />} style={{ whiteSpace: 'nowrap' }}>
        Private
      </Badge>
    );
  }
  return (
    <Tooltip
      content={
        access === 'container'
          ? 'Public (container): anyone can list and read its blobs'
          : 'Public (blob): anyone with a blob URL can read it'
      }
      relationship="description"
    >
      <Badge appearance="tint" color="warning" icon={<GlobeRegular />} style={{ whiteSpace: 'nowrap' }}>
        {short ? 'Public' : access === 'container' ? 'Public: container' : 'Public: blob'}
      </Badge>
    </Tooltip>
  );
}

function SkeletonRows() {
  const styles = useStyles();
  return (
    <Skeleton aria-label="Loading containers" aria-busy="true">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className={styles.skeletonRow}>
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
        </div>
      ))}
    </Skeleton>
  );
}

/** A connection's containers: open one, create, delete; paging with "Load more". */
export default function ContainersPage() {
  const styles = useStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const navigate = useNavigate();
  const connectionId = Number(useParams().connectionId);
  const [filter, setFilter] = useState('');
  const prefix = useDebouncedValue(filter.trim(), 250);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);

  const connection = useQuery({
    ...connectionQuery(connectionId),
    enabled: Number.isInteger(connectionId) && connectionId > 0,
  });
  const usable = connection.isSuccess && connection.data.is_active;
  const containers = useContainers(connectionId, prefix, usable);

  useEffect(() => {
    if (connection.isSuccess) rememberConnection(connectionId);
  }, [connection.isSuccess, connectionId]);

  const problem = connectionProblemOf(connection.error ?? containers.error, connection.data);
  if (!Number.isInteger(connectionId) || connectionId <= 0) return <ConnectionProblem kind="not_found" />;
  if (problem) return <ConnectionProblem kind={problem} name={connection.data?.name} />;
  if (connection.isError) {
    return (
      <ErrorState
        error={connection.error}
        title="This connection could not be read"
        onRetry={() => void connection.refetch()}
      />
    );
  }

  const items = containers.data?.pages.flatMap((page) => page.items) ?? [];
  const defaultContainer = connection.data?.container_name ?? null;
  const listError = containers.isError && !containers.isFetchNextPageError ? containers.error : null;
  const cannotList =
    listError instanceof ProblemError && (listError.code === 'azure_auth_failed' || listError.status === 403);

  return (
    <div className={narrow ? `${styles.page} ${styles.pageNarrow}` : styles.page}>
      <div className={styles.header}>
        <div className={styles.titles}>
          <Text as="h1" size={600} weight="semibold" className={styles.title}>
            Containers
          </Text>
          {connection.data ? (
            <Text className={styles.subtitle} title={connection.data.endpoint}>
              {connection.data.name} · {connection.data.account_name}
            </Text>
          ) : (
            <SkeletonItem size={16} style={{ width: 200 }} />
          )}
        </div>
        <div className={styles.actions}>
          <Tooltip content="Refresh" relationship="label">
            <Button
              icon={
                containers.isFetching && !containers.isPending ? <Spinner size="tiny" /> : <ArrowClockwiseRegular />
              }
              onClick={() => void containers.refetch()}
              disabled={!usable}
            />
          </Tooltip>
          <Button appearance="primary" icon={<AddRegular />} onClick={() => setCreating(true)} disabled={!usable}>
            New container
          </Button>
        </div>
      </div>

      <div className={styles.toolbar}>
        <Field label="Filter by name" className={styles.filter}>
          <SearchBox
            value={filter}
            placeholder="Names starting with…"
            onChange={(_, data) => setFilter(data.value)}
            spellCheck={false}
          />
        </Field>
        {containers.data ? (
          <Text className={styles.count} role="status">
            {formatCount(items.length, 'container')}
            {containers.hasNextPage ? ' (more to load)' : ''}
            {prefix ? ` starting with “${prefix}”` : ''}
          </Text>
        ) : null}
      </div>

      {containers.isPending && usable ? <SkeletonRows /> : null}
      {connection.isPending ? <SkeletonRows /> : null}

      {listError ? (
        cannotList && defaultContainer ? (
          <ErrorState
            error={listError}
            title="This connection cannot list containers"
            action={
              <Button
                appearance="primary"
                onClick={() => navigate(locationPath({ connectionId, container: defaultContainer, prefix: '' }))}
              >
                Open “{defaultContainer}”
              </Button>
            }
          />
        ) : (
          <ErrorState
            error={listError}
            title={cannotList ? 'This connection cannot list containers' : 'The containers could not be listed'}
            onRetry={() => void containers.refetch()}
          />
        )
      ) : null}
      {cannotList && !defaultContainer ? (
        <Text>
          Its credentials may be scoped to one container: type that container's name in the path box at the top to open
          it.
        </Text>
      ) : null}

      {containers.isSuccess && items.length === 0 ? (
        prefix ? (
          <EmptyState icon={<ArchiveRegular />} title={`No container names start with “${prefix}”`}>
            Check the spelling, or clear the filter.
          </EmptyState>
        ) : (
          <EmptyState
            icon={<ArchiveRegular />}
            title="No containers yet"
            actions={
              <Button appearance="primary" icon={<AddRegular />} onClick={() => setCreating(true)}>
                New container
              </Button>
            }
          >
            Containers hold your blobs. Create one to start uploading.
          </EmptyState>
        )
      ) : null}

      {items.length > 0 ? (
        <Table aria-label="Containers" size={narrow ? 'small' : 'medium'} style={{ tableLayout: 'fixed' }}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Name</TableHeaderCell>
              {narrow ? null : <TableHeaderCell style={{ width: 160 }}>Last modified</TableHeaderCell>}
              <TableHeaderCell style={{ width: narrow ? 104 : 170 }}>Public access</TableHeaderCell>
              <TableHeaderCell style={{ width: 48 }}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => (
              <TableRow key={item.name}>
                <TableCell className={styles.nameCell}>
                  <RouterLink
                    className={styles.nameLink}
                    to={locationPath({ connectionId, container: item.name, prefix: '' })}
                    title={item.name}
                  >
                    <ArchiveRegular className={styles.icon} aria-hidden />
                    <span className={styles.nameText}>{item.name}</span>
                  </RouterLink>
                </TableCell>
                {narrow ? null : (
                  <TableCell>
                    <span title={formatAbsolute(item.last_modified)}>{formatRelative(item.last_modified)}</span>
                  </TableCell>
                )}
                <TableCell>
                  <AccessBadge access={item.public_access} short={narrow} />
                </TableCell>
                <TableCell>
                  <Tooltip content={`Delete ${item.name}`} relationship="label">
                    <Button appearance="subtle" icon={<DeleteRegular />} onClick={() => setDeleting(item.name)} />
                  </Tooltip>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}

      {containers.hasNextPage ? (
        <div className={styles.more}>
          <Button
            onClick={() => void containers.fetchNextPage()}
            disabled={containers.isFetchingNextPage}
            icon={containers.isFetchingNextPage ? <Spinner size="tiny" /> : undefined}
          >
            Load more
          </Button>
        </div>
      ) : null}
      {containers.isFetchNextPageError ? (
        <ErrorState error={containers.error} onRetry={() => void containers.fetchNextPage()} />
      ) : null}

      {/* Mounted while open: each opening starts afresh. */}
      {creating ? (
        <CreateContainerDialog
          connectionId={connectionId}
          open
          onClose={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            navigate(locationPath({ connectionId, container: name, prefix: '' }));
          }}
        />
      ) : null}
      {deleting ? (
        <DeleteContainerDialog connectionId={connectionId} container={deleting} onClose={() => setDeleting(null)} />
      ) : null}
    </div>
  );
}
