// Every place in the console has a URL. Blob locations are
// /c/{connection}/{container}/{prefix...}?item={name}; each path segment is percent-encoded,
// so names with '%', '#', '?' or spaces survive a reload and a shared link.

export interface BlobLocation {
  connectionId: number;
  container?: string;
  prefix: string; // "" or ends with "/"
}

function encodeSegments(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function connectionPath(connectionId: number): string {
  return `/c/${connectionId}`;
}

export function locationPath(location: BlobLocation, item?: string): string {
  let path = `/c/${location.connectionId}`;
  if (location.container) {
    path += `/${encodeURIComponent(location.container)}/`;
    if (location.prefix) path += encodeSegments(location.prefix);
  }
  if (item) path += `?item=${encodeURIComponent(item)}`;
  return path;
}

/** The location a router splat (already decoded by the router) names. */
export function parseSplat(connectionId: number, container: string | undefined, splat: string | undefined): BlobLocation {
  let prefix = splat ?? '';
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return { connectionId, container, prefix: container ? prefix : '' };
}

/**
 * What a user typed or pasted into the path box: "container/some/prefix/", with or
 * without a leading slash; "az://container/prefix", or a blob service URL
 * (https://account.blob.core.windows.net/container/prefix). Null when nothing usable.
 */
export function parsePathInput(input: string): { container: string; prefix: string } | null {
  let text = input.trim();
  if (!text) return null;
  const url = /^https?:\/\/[^/]+\/(.*)$/i.exec(text);
  if (url) {
    text = url[1] ?? '';
    // An emulator URL carries the account as its first segment.
    if (/^devstoreaccount1\//.test(text)) text = text.slice('devstoreaccount1/'.length);
    text = text.split('?')[0] ?? '';
    try {
      text = decodeURIComponent(text);
    } catch {
      // keep as typed
    }
  }
  text = text.replace(/^az:\/\//i, '').replace(/^\/+/, '');
  const slash = text.indexOf('/');
  const container = slash < 0 ? text : text.slice(0, slash);
  let prefix = slash < 0 ? '' : text.slice(slash + 1);
  if (!container) return null;
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return { container, prefix };
}
