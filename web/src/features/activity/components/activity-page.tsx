import {
  Button,
  Field,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  Select,
  Spinner,
  Text,
  tokens,
  Tooltip,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, FilterDismissRegular, HistoryRegular } from '@fluentui/react-icons';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { ErrorState } from '@/components/error-state';
import { LoadMore } from '@/components/load-more';
import { PageSkeleton } from '@/components/page-skeleton';
import {
  auditFamilies,
  auditQuery,
  auditRanges,
  usersQuery,
  type AuditEvent,
  type AuditFamily,
  type AuditFilters,
  type AuditRange,
} from '@/features/activity/api/audit';
import { AuditEvents } from '@/features/activity/components/audit-events';
import type { AuditContext } from '@/features/activity/audit-text';
import { connectionsQuery } from '@/lib/api/connections';
import { useCurrentUser } from '@/lib/api/current-user';
import { ProblemError } from '@/lib/api/problem';
import { formatCount } from '@/lib/format';
import { useMediaQuery } from '@/lib/hooks/use-media-query';

const useStyles = makeStyles({
  page: {
    boxSizing: 'border-box',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`,
    maxWidth: '1200px',
    '@media (max-width: 760px)': { padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}` },
  },
  header: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalM },
  titles: { flexGrow: 1, minWidth: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  title: { margin: 0 },
  subtitle: { color: tokens.colorNeutralForeground3 },
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalS,
  },
  filter: { flex: '0 1 240px', minWidth: '140px', '@media (max-width: 760px)': { flex: '1 1 140px' } },
  // A native select is as wide as its longest option unless told otherwise.
  select: { minWidth: 0, width: '100%' },
  count: { color: tokens.colorNeutralForeground3 },
});

function readFilters(params: URLSearchParams): AuditFilters {
  const family = params.get('events') ?? 'all';
  const range = params.get('range') ?? 'all';
  const user = Number(params.get('user'));
  return {
    family: family in auditFamilies ? (family as AuditFamily) : 'all',
    range: range in auditRanges ? (range as AuditRange) : 'all',
    userId: Number.isInteger(user) && user > 0 ? user : null,
  };
}

const isFiltered = (f: AuditFilters) => f.family !== 'all' || f.range !== 'all' || f.userId !== null;

/** The audit log: what the user (a superuser: everyone) did, when and from where, newest first. */
export default function ActivityPage() {
  const styles = useStyles();
  const narrow = useMediaQuery('(max-width: 760px)');
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());

  const me = useCurrentUser();
  const superuser = me.data?.is_superuser === true;
  const users = useQuery({ ...usersQuery(), enabled: superuser });
  const connections = useQuery(connectionsQuery());
  const events = useInfiniteQuery(auditQuery(filters));

  useEffect(() => {
    document.title = 'Activity · Cerulean';
  }, []);

  const items = useMemo(() => {
    // A page can repeat an event the one before it had (events written while paging): once each.
    const seen = new Set<number>();
    const out: AuditEvent[] = [];
    for (const page of events.data?.pages ?? []) {
      for (const event of page.items) {
        if (!seen.has(event.id)) {
          seen.add(event.id);
          out.push(event);
        }
      }
    }
    return out;
  }, [events.data]);
  const total = events.data?.pages[0]?.total ?? 0;

  const context = useMemo<AuditContext>(() => {
    const names = new Map((connections.data?.items ?? []).map((c) => [c.id, c.name] as const));
    const deletedJobs = new Set<number>();
    for (const event of items) {
      if (event.action === 'sync_job.deleted' && event.target_id) deletedJobs.add(Number(event.target_id));
    }
    const emails = new Map((users.data?.items ?? []).map((u) => [u.id, u.email] as const));
    return { connectionName: (id) => names.get(id), deletedJobs, userEmail: (id) => emails.get(id) };
  }, [connections.data, users.data, items]);

  const setFilter = (key: 'events' | 'range' | 'user', value: string | null) => {
    setExpanded(new Set());
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value === null || value === '' || value === 'all') next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  };
  const clearFilters = () => {
    setExpanded(new Set());
    setParams(new URLSearchParams(), { replace: true });
  };
  const toggle = (id: number) =>
    setExpanded((open) => {
      const next = new Set(open);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const sortedUsers = useMemo(
    () => [...(users.data?.items ?? [])].sort((a, b) => a.email.localeCompare(b.email)),
    [users.data],
  );
  const userFilterShown = superuser || filters.userId !== null;
  const notSuperuser = events.error instanceof ProblemError && events.error.code === 'not_superuser';

  let body;
  if (events.isPending) {
    body = <PageSkeleton rows={8} label="Loading activity" />;
  } else if (notSuperuser) {
    // A link to another account's activity, opened by someone who may not read it.
    body = (
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>Only a superuser can see another account’s activity.</MessageBarBody>
        <MessageBarActions>
          <Button onClick={clearFilters}>Show my activity</Button>
        </MessageBarActions>
      </MessageBar>
    );
  } else if (events.isError && items.length === 0) {
    body = (
      <ErrorState
        title="The activity could not be loaded"
        error={events.error}
        onRetry={() => void events.refetch()}
        action={isFiltered(filters) ? <Button onClick={clearFilters}>Clear filters</Button> : undefined}
      />
    );
  } else if (items.length === 0) {
    body = isFiltered(filters) ? (
      <EmptyState
        icon={<HistoryRegular />}
        title="No activity matches these filters"
        actions={
          <Button icon={<FilterDismissRegular />} onClick={clearFilters}>
            Show all activity
          </Button>
        }
      >
        Try a longer time range or another kind of event.
      </EmptyState>
    ) : (
      <EmptyState icon={<HistoryRegular />} title="No activity yet">
        Sign-ins, changes to connections and sync jobs, sync runs and share links show here as they happen.
      </EmptyState>
    );
  } else {
    body = (
      <>
        <Text size={200} className={styles.count} role="status">
          {items.length < total
            ? `Showing the newest ${items.length.toLocaleString()} of ${formatCount(total, 'event')}`
            : formatCount(total, 'event')}
        </Text>
        <AuditEvents
          events={items}
          context={context}
          showWho={superuser}
          narrow={narrow}
          expanded={expanded}
          onToggle={toggle}
        />
        <LoadMore
          hasMore={events.hasNextPage}
          loading={events.isFetchingNextPage}
          error={events.isFetchNextPageError ? events.error : undefined}
          onLoad={() => void events.fetchNextPage()}
        />
      </>
    );
  }

  return (
    <div className={styles.page}>
      <div className={styles.header}>
        <div className={styles.titles}>
          <Text as="h1" size={600} weight="semibold" className={styles.title}>
            Activity
          </Text>
          <Text className={styles.subtitle}>
            {superuser
              ? 'Everyone’s sign-ins, changes and sync runs, newest first. You see all accounts as a superuser.'
              : 'Your sign-ins, changes and sync runs, newest first.'}
          </Text>
        </div>
        <Tooltip content="Refresh" relationship="label">
          <Button
            icon={events.isFetching && !events.isPending ? <Spinner size="tiny" /> : <ArrowClockwiseRegular />}
            onClick={() => void events.refetch()}
          />
        </Tooltip>
      </div>

      <div className={styles.filters} role="search" aria-label="Filter the activity">
        <Field label="Show" className={styles.filter}>
          <Select
            className={styles.select}
            value={filters.family}
            onChange={(_, data) => setFilter('events', data.value)}
          >
            {Object.entries(auditFamilies)
              .filter(([key, family]) => superuser || !('superuserOnly' in family) || key === filters.family)
              .map(([key, family]) => (
                <option key={key} value={key}>
                  {family.label}
                </option>
              ))}
          </Select>
        </Field>
        <Field label="Time" className={styles.filter}>
          <Select
            className={styles.select}
            value={filters.range}
            onChange={(_, data) => setFilter('range', data.value)}
          >
            {Object.entries(auditRanges).map(([key, range]) => (
              <option key={key} value={key}>
                {range.label}
              </option>
            ))}
          </Select>
        </Field>
        {userFilterShown ? (
          <Field
            label="Account"
            className={styles.filter}
            validationState={users.isError ? 'warning' : 'none'}
            validationMessage={users.isError ? 'The list of accounts could not be loaded.' : undefined}
          >
            <Select
              className={styles.select}
              value={filters.userId === null ? '' : String(filters.userId)}
              onChange={(_, data) => setFilter('user', data.value)}
            >
              <option value="">Everyone</option>
              {filters.userId !== null && !sortedUsers.some((u) => u.id === filters.userId) ? (
                <option value={String(filters.userId)}>User {filters.userId}</option>
              ) : null}
              {sortedUsers.map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {u.email}
                  {u.is_active ? '' : ' (deactivated)'}
                </option>
              ))}
            </Select>
          </Field>
        ) : null}
      </div>

      {body}
    </div>
  );
}
