import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, authHeaders, unwrap } from '@/lib/api/client';
import { networkProblem, problemFrom } from '@/lib/api/problem';
import type { components } from '@/lib/api/schema.gen';
import { endSession } from '@/lib/auth/session';

export type BlobProperties = components['schemas']['BlobProperties'];
export type BlobHeadersUpdate = components['schemas']['BlobHeadersUpdate'];
export type SasResponse = components['schemas']['SasResponse'];

export interface BlobRef {
  connectionId: number;
  container: string;
  name: string;
}

export const propertiesKeys = {
  one: ({ connectionId, container, name }: BlobRef) => ['blob-properties', connectionId, container, name] as const,
  inlineLink: (blob: BlobRef) => [...propertiesKeys.one(blob), 'inline-link'] as const,
  textHead: (blob: BlobRef) => [...propertiesKeys.one(blob), 'text-head'] as const,
};

export function fetchBlobProperties({ connectionId, container, name }: BlobRef, signal?: AbortSignal) {
  return unwrap(
    api.GET('/api/v1/azure_blob/connections/{id}/blobs/properties', {
      params: { path: { id: connectionId }, query: { container, name } },
      signal,
    }),
  );
}

export function blobPropertiesQuery(blob: BlobRef) {
  return queryOptions({
    queryKey: propertiesKeys.one(blob),
    queryFn: ({ signal }) => fetchBlobProperties(blob, signal),
  });
}

export function useBlobProperties(blob: BlobRef) {
  return useQuery(blobPropertiesQuery(blob));
}

/** Content type, cache control and the other stored headers (PATCH). */
export function useUpdateBlobHeaders(blob: BlobRef) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BlobHeadersUpdate) =>
      unwrap(
        api.PATCH('/api/v1/azure_blob/connections/{id}/blobs/properties', {
          params: { path: { id: blob.connectionId }, query: { container: blob.container, name: blob.name } },
          body,
        }),
      ),
    onSuccess: (properties) => {
      client.setQueryData(propertiesKeys.one(blob), properties);
      return client.invalidateQueries({ queryKey: ['blobs', blob.connectionId, blob.container] });
    },
  });
}

/** Replaces all of the blob's metadata. */
export function useSetBlobMetadata(blob: BlobRef) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (metadata: Record<string, string>) =>
      unwrap(
        api.PUT('/api/v1/azure_blob/connections/{id}/blobs/metadata', {
          params: { path: { id: blob.connectionId }, query: { container: blob.container, name: blob.name } },
          body: { metadata },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: propertiesKeys.one(blob) }),
  });
}

/** A short-lived link (10 minutes, several Range requests) that an <img>, <video> or <iframe> can load. */
export function inlineLinkQuery(blob: BlobRef) {
  return queryOptions({
    queryKey: propertiesKeys.inlineLink(blob),
    queryFn: () =>
      unwrap(
        api.POST('/api/v1/azure_blob/connections/{id}/blobs/link', {
          params: { path: { id: blob.connectionId } },
          body: { container: blob.container, name: blob.name, disposition: 'inline' },
        }),
      ),
    // The link lasts 10 minutes: ask again well before it runs out.
    staleTime: 5 * 60_000,
    gcTime: 5 * 60_000,
    retry: false,
  });
}

export const textPreviewLimit = 1024 * 1024;

export interface TextHead {
  text: string;
  /** Bytes read (at most textPreviewLimit). */
  shown: number;
  /** The blob's whole size. */
  total: number;
}

/**
 * The first MiB of a blob as text: a Range request to the content endpoint (outside the
 * typed client, which would not stop at a range).
 */
export async function fetchTextHead(
  { connectionId, container, name }: BlobRef,
  signal?: AbortSignal,
): Promise<TextHead> {
  const query = new URLSearchParams({ container, name });
  let response: Response;
  try {
    const url = new URL(
      `/api/v1/azure_blob/connections/${connectionId}/blobs/content?${query.toString()}`,
      window.location.origin,
    );
    response = await fetch(url, {
      headers: { ...authHeaders(), Range: `bytes=0-${textPreviewLimit - 1}` },
      signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw networkProblem(cause);
  }
  if (response.status === 401) endSession('expired');
  if (response.status === 416) return { text: '', shown: 0, total: 0 }; // an empty blob
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw problemFrom(response.status, body, response.statusText);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const shown = Math.min(bytes.length, textPreviewLimit);
  const range = /\/(\d+)\s*$/.exec(response.headers.get('Content-Range') ?? '');
  const total = range ? Number(range[1]) : Number(response.headers.get('Content-Length') ?? bytes.length);
  // stream: true leaves out a character cut in half at the end of the range.
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, shown), { stream: shown < total });
  return { text, shown, total };
}

export function textHeadQuery(blob: BlobRef) {
  return queryOptions({
    queryKey: propertiesKeys.textHead(blob),
    queryFn: ({ signal }) => fetchTextHead(blob, signal),
    staleTime: 60_000,
  });
}

/** A SAS link signed with the connection's account key. */
export function createSasLink(blob: BlobRef, expiresIn: number) {
  return unwrap(
    api.POST('/api/v1/azure_blob/connections/{id}/blobs/sas', {
      params: { path: { id: blob.connectionId } },
      body: { container: blob.container, name: blob.name, permissions: 'r', expires_in: expiresIn },
    }),
  );
}
