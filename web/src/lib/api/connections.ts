// Connections are read across the console (the header's switcher, the nav, the browser), so
// their query options live here, shared; the connections feature adds the forms and mutations.
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type Connection = components['schemas']['ConnectionRead'];
export type AuthType = components['schemas']['AuthType'];

/** Each auth type in words, as the console names it. */
export const authTypeLabels: Record<AuthType, string> = {
  connection_string: 'Connection string',
  account_key: 'Account name and key',
  sas_token: 'SAS token',
  service_principal: 'Service principal',
  user_ms_identity: 'Entra ID access token',
  anonymous: 'Anonymous (public access)',
};

export const connectionKeys = {
  all: ['connections'] as const,
  list: () => ['connections', 'list'] as const,
  one: (id: number) => ['connections', 'one', id] as const,
};

/** The caller's connections (the first 1,000: the API's page limit). */
export function connectionsQuery() {
  return queryOptions({
    queryKey: connectionKeys.list(),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/azure_blob/connections', { params: { query: { limit: 1000 } }, signal })),
  });
}

export function connectionQuery(id: number) {
  return queryOptions({
    queryKey: connectionKeys.one(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/azure_blob/connections/{id}', { params: { path: { id } }, signal })),
  });
}

/** Whether the connection's credentials can sign SAS links, as far as its type tells. */
export function canSignLinks(connection: Connection): 'yes' | 'maybe' | 'no' {
  switch (connection.auth_type) {
    case 'account_key':
      return 'yes';
    case 'connection_string':
      return 'maybe'; // only when the string holds an AccountKey
    default:
      return 'no';
  }
}

/** Connections in the order the console lists them: by name, as people read names. */
export function sortConnections(connections: readonly Connection[]): Connection[] {
  return [...connections].sort(
    (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) || a.id - b.id,
  );
}
