// One upload of a File as a blob's raw body. XMLHttpRequest rather than fetch: it reports the
// bytes sent (fetch has no upload progress), and `send(file)` streams the file from disk: the
// page never holds its bytes, whatever its size.

import { authHeaders } from '@/lib/api/client';
import { problemFrom, ProblemError } from '@/lib/api/problem';
import type { components } from '@/lib/api/schema.gen';
import { endSession } from '@/lib/auth/session';

export type BlobItem = components['schemas']['BlobItem'];

export interface BlobUploadRequest {
  connectionId: number;
  container: string;
  name: string;
  /** false: the server refuses (409 blob_exists) when the name is taken. */
  overwrite: boolean;
  file: Blob;
  onProgress: (loaded: number) => void;
}

export interface BlobUpload {
  /** The stored blob (null if the server did not describe it); rejects with a ProblemError, or with an AbortError after abort(). */
  done: Promise<BlobItem | null>;
  abort: () => void;
}

/** The URL of the raw-body upload: names go percent-encoded in the query, never in the path. */
export function uploadUrl(connectionId: number, container: string, name: string, overwrite: boolean): string {
  return (
    `/api/v1/azure_blob/connections/${connectionId}/blobs` +
    `?container=${encodeURIComponent(container)}&name=${encodeURIComponent(name)}&overwrite=${overwrite}`
  );
}

function uploadInterrupted(): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Upload interrupted',
    status: 0,
    code: 'network_error',
    detail:
      'The upload stopped: the connection to the Cerulean server failed, or the file could not be read from your disk. Check both, then retry.',
  });
}

function parseBody(xhr: XMLHttpRequest): unknown {
  try {
    return xhr.responseText ? (JSON.parse(xhr.responseText) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

export function uploadBlob(request: BlobUploadRequest): BlobUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<BlobItem | null>((resolve, reject) => {
    xhr.open('POST', uploadUrl(request.connectionId, request.container, request.name, request.overwrite));
    const headers = authHeaders();
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.setRequestHeader('Content-Type', request.file.type || 'application/octet-stream');
    xhr.upload.onprogress = (event) => request.onProgress(event.loaded);
    xhr.onload = () => {
      const body = parseBody(xhr);
      if (xhr.status === 201 || xhr.status === 200) {
        resolve((body as { items?: BlobItem[] } | undefined)?.items?.[0] ?? null);
        return;
      }
      if (xhr.status === 401 && 'Authorization' in headers) endSession('expired');
      reject(problemFrom(xhr.status, body, xhr.statusText));
    };
    xhr.onerror = () => reject(uploadInterrupted());
    xhr.ontimeout = () => reject(uploadInterrupted());
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    xhr.send(request.file);
  });
  return { done, abort: () => xhr.abort() };
}
