import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { ProblemError } from '@/lib/api/problem';
import type { components } from '@/lib/api/schema.gen';

export type BlobItem = components['schemas']['BlobItem'];
export type BlobList = components['schemas']['BlobList'];
export type CopyResult = components['schemas']['CopyResult'];

/** The first page is small so that the first rows show at once; the rest come in big pages. */
export const firstPageSize = 250;
export const nextPageSize = 5000;

export const blobKeys = {
  container: (connectionId: number, container: string) => ['blobs', connectionId, container] as const,
  folder: (connectionId: number, container: string, prefix: string) =>
    ['blobs', connectionId, container, prefix] as const,
  listing: (connectionId: number, container: string, prefix: string, filter: string) =>
    ['blobs', connectionId, container, prefix, { delimiter: '/', filter }] as const,
};

export interface FolderRef {
  connectionId: number;
  container: string;
  prefix: string;
}

/** One page of a virtual-folder view (delimiter "/"), or of everything under a prefix (no delimiter). */
export function fetchBlobPage(
  { connectionId, container, prefix }: FolderRef,
  options: { marker?: string; limit?: number; delimiter?: boolean; signal?: AbortSignal },
) {
  return unwrap(
    api.GET('/api/v1/azure_blob/connections/{id}/blobs', {
      params: {
        path: { id: connectionId },
        query: {
          container,
          prefix: prefix || undefined,
          delimiter: options.delimiter === false ? undefined : '/',
          marker: options.marker || undefined,
          limit: options.limit ?? firstPageSize,
        },
      },
      signal: options.signal,
    }),
  );
}

/**
 * A folder's listing, page by page as the user scrolls. `filter` narrows it to names that
 * start with it, on the server (it is appended to the folder's prefix).
 */
export function blobListingQuery(folder: FolderRef, filter = '') {
  return infiniteQueryOptions({
    queryKey: blobKeys.listing(folder.connectionId, folder.container, folder.prefix, filter),
    queryFn: ({ pageParam, signal }) =>
      fetchBlobPage(
        { ...folder, prefix: folder.prefix + filter },
        { marker: pageParam, limit: pageParam ? nextPageSize : firstPageSize, signal },
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_marker ?? undefined,
  });
}

export function useBlobListing(folder: FolderRef, filter = '', enabled = true) {
  return useInfiniteQuery({ ...blobListingQuery(folder, filter), enabled });
}

/**
 * Every blob under a prefix (no delimiter: the whole subtree), for deleting, copying or
 * moving a folder. `onProgress` hears the running count.
 */
export async function listAllBlobs(
  folder: FolderRef,
  options: { signal?: AbortSignal; onProgress?: (count: number) => void } = {},
): Promise<BlobItem[]> {
  const all: BlobItem[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchBlobPage(folder, { marker, limit: nextPageSize, delimiter: false, signal: options.signal });
    all.push(...page.items);
    options.onProgress?.(all.length);
    marker = page.next_marker ?? undefined;
  } while (marker);
  return all;
}

export function deleteBlob(connectionId: number, container: string, name: string) {
  return unwrap(
    api.DELETE('/api/v1/azure_blob/connections/{id}/blobs', {
      params: { path: { id: connectionId }, query: { container, name } },
    }),
  );
}

/** Server-side copy into `target`; the source may be in another connection of the user. */
export function copyBlob(
  target: { connectionId: number; container: string; name: string },
  source: { connectionId: number; container: string; name: string },
) {
  return unwrap(
    api.POST('/api/v1/azure_blob/connections/{id}/blobs/copy', {
      params: { path: { id: target.connectionId } },
      body: {
        container: target.container,
        name: target.name,
        source: {
          connection_id: source.connectionId === target.connectionId ? undefined : source.connectionId,
          container: source.container,
          name: source.name,
        },
      },
    }),
  );
}

/** Whether a blob exists (a properties call; 404 means no). */
export async function blobExists(connectionId: number, container: string, name: string): Promise<boolean> {
  try {
    await unwrap(
      api.GET('/api/v1/azure_blob/connections/{id}/blobs/properties', {
        params: { path: { id: connectionId }, query: { container, name } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ProblemError && error.code === 'blob_not_found') return false;
    throw error;
  }
}
