// The audit log (GET /api/v1/audit) as the Activity page reads it: one query key per set of
// filters, ['audit', {family, range, userId}], a page of events at a time, newest first.
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type AuditEvent = components['schemas']['AuditEvent'];
export type AuditEventList = components['schemas']['AuditEventList'];
export type UserList = components['schemas']['UserList'];

/**
 * The families of actions a user can narrow the log to, each an `action` filter of the API
 * (a family ends in a dot). Sync is two families: the API filters by one at a time. Key
 * rotations concern no account: only a superuser sees them.
 */
export const auditFamilies = {
  all: { label: 'All activity', action: undefined },
  auth: { label: 'Sign-ins and passwords', action: 'auth.' },
  connection: { label: 'Connections', action: 'connection.' },
  sync_job: { label: 'Sync jobs', action: 'sync_job.' },
  sync_run: { label: 'Sync runs', action: 'sync_run.' },
  sharing: { label: 'Share links', action: 'blob.' },
  user: { label: 'Account changes', action: 'user.' },
  keys: { label: 'Key rotations', action: 'keys.', superuserOnly: true },
} as const satisfies Record<string, { label: string; action: string | undefined; superuserOnly?: boolean }>;

export type AuditFamily = keyof typeof auditFamilies;

/** How far back the log goes, in hours (null: all of it). */
export const auditRanges = {
  '24h': { label: 'Last 24 hours', hours: 24 },
  '7d': { label: 'Last 7 days', hours: 24 * 7 },
  '30d': { label: 'Last 30 days', hours: 24 * 30 },
  all: { label: 'All time', hours: null },
} as const satisfies Record<string, { label: string; hours: number | null }>;

export type AuditRange = keyof typeof auditRanges;

export interface AuditFilters {
  family: AuditFamily;
  range: AuditRange;
  /** A superuser's filter by user; null for everyone's (or, for others, their own). */
  userId: number | null;
}

export const auditPageSize = 50;

/**
 * Where a series of pages starts: the first page fixes the time window, and the pages after it
 * keep to it, so that events written meanwhile do not shift the later pages (skip counts from
 * the newest).
 */
interface AuditPageParam {
  skip: number;
  since?: string;
  until?: string;
}

/** A page of events, with the window the series of pages keeps to. */
export interface AuditPage extends AuditEventList {
  since?: string;
  until?: string;
}

export function auditKey(filters: AuditFilters) {
  return ['audit', { family: filters.family, range: filters.range, userId: filters.userId }] as const;
}

function rangeStart(range: AuditRange, now: number): string | undefined {
  const hours = auditRanges[range].hours;
  return hours === null ? undefined : new Date(now - hours * 3_600_000).toISOString();
}

/** Just after the newest event: the later pages end there. */
function windowEnd(list: AuditEventList): string | undefined {
  const newest = list.items[0];
  if (!newest) return undefined;
  const at = Date.parse(newest.created_at);
  // Times are to the second: a second later keeps every event of that second.
  return Number.isNaN(at) ? undefined : new Date(at + 1000).toISOString();
}

export function auditQuery(filters: AuditFilters) {
  return infiniteQueryOptions({
    queryKey: auditKey(filters),
    queryFn: async ({ pageParam, signal }): Promise<AuditPage> => {
      const first = pageParam.skip === 0 && pageParam.since === undefined && pageParam.until === undefined;
      const since = first ? rangeStart(filters.range, Date.now()) : pageParam.since;
      const list = await unwrap(
        api.GET('/api/v1/audit', {
          params: {
            query: {
              skip: pageParam.skip,
              limit: auditPageSize,
              action: auditFamilies[filters.family].action,
              since,
              until: pageParam.until,
              user_id: filters.userId ?? undefined,
            },
          },
          signal,
        }),
      );
      return { ...list, since, until: first ? windowEnd(list) : pageParam.until };
    },
    initialPageParam: { skip: 0 } as AuditPageParam,
    getNextPageParam: (last, pages): AuditPageParam | undefined => {
      const loaded = pages.reduce((n, page) => n + page.items.length, 0);
      const total = pages[0]?.total ?? last.total;
      if (last.items.length === 0 || loaded >= total) return undefined;
      return { skip: loaded, since: pages[0]?.since, until: pages[0]?.until };
    },
  });
}

/** Everyone's accounts, for a superuser's filter by user (the API's largest page). */
export function usersQuery() {
  return queryOptions({
    queryKey: ['users', 'list'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/users', { params: { query: { limit: 1000 } }, signal })),
    staleTime: 5 * 60_000,
  });
}
