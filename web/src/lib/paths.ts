// Every place in the console has a URL. Blob locations are
// /c/{connection}/{container}/{prefix...}?item={name}; each path segment is percent-encoded,
// so names with '%', '#', '?' or spaces survive a reload and a shared link.
//
// A folder whose path holds a "." or ".." segment cannot live in a URL path (browsers
// resolve dot segments, even percent-encoded ones), so such a folder goes in `?prefix=`.

export interface BlobLocation {
  connectionId: number;
  container?: string;
  prefix: string; // "" or ends with "/"
}

/** A location as read from the address bar: the folder, the open item, the name filter. */
export interface BrowseUrlState extends BlobLocation {
  item?: string;
  filter?: string;
}

function encodeSegments(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function hasDotSegment(prefix: string): boolean {
  return prefix.split('/').some((segment) => segment === '.' || segment === '..');
}

export function connectionPath(connectionId: number): string {
  return `/c/${connectionId}`;
}

/** The URL of a folder (and, with `item`, of the item open in it). */
export function locationPath(location: BlobLocation, item?: string, extra?: { filter?: string }): string {
  let path = `/c/${location.connectionId}`;
  const query = new URLSearchParams();
  if (location.container) {
    path += `/${encodeURIComponent(location.container)}/`;
    if (location.prefix) {
      if (hasDotSegment(location.prefix)) query.set('prefix', location.prefix);
      else path += encodeSegments(location.prefix);
    }
  }
  if (extra?.filter) query.set('filter', extra.filter);
  if (item) query.set('item', item);
  const search = query.toString();
  // URLSearchParams writes spaces as '+'; '%20' reads the same and looks like a path's.
  return search ? `${path}?${search.replace(/\+/g, '%20')}` : path;
}

/** The URL that opens one blob: its folder with the blob's properties at the right. */
export function blobPath(connectionId: number, container: string, name: string): string {
  return locationPath({ connectionId, container, prefix: parentPrefix(name) }, name);
}

/** The location a router splat (already decoded by the router) names. */
export function parseSplat(
  connectionId: number,
  container: string | undefined,
  splat: string | undefined,
): BlobLocation {
  let prefix = splat ?? '';
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return { connectionId, container, prefix: container ? prefix : '' };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The location an address names: `pathname` as the browser keeps it (percent-encoded) and
 * its `search`. Null when the path is not under /c/{connection}.
 */
export function parseBrowseUrl(pathname: string, search = ''): BrowseUrlState | null {
  const segments = pathname.split('/');
  // ['', 'c', '{id}', '{container}', ...prefix segments]
  if (segments[1] !== 'c') return null;
  const connectionId = Number(segments[2]);
  if (!Number.isInteger(connectionId) || connectionId <= 0) return null;
  const params = new URLSearchParams(search);
  const item = params.get('item') || undefined;
  const filter = params.get('filter') || undefined;
  const container = segments[3] ? decodeSegment(segments[3]) : undefined;
  if (!container) return { connectionId, prefix: '', item, filter };
  let prefix = params.get('prefix') ?? segments.slice(4).map(decodeSegment).join('/');
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return { connectionId, container, prefix, item, filter };
}

/** "a/b/" -> "a/"; "a/b.txt" -> "a/"; "a/" -> ""; "" -> "". */
export function parentPrefix(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '' : trimmed.slice(0, slash + 1);
}

/** The last part of a name: "a/b/" -> "b", "a/b.txt" -> "b.txt". */
export function baseName(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** What the path box shows for a location: "container/some/prefix/". */
export function displayPath(location: { container?: string; prefix: string }): string {
  return location.container ? `${location.container}/${location.prefix}` : '';
}

/** What a user typed into the path box. */
export interface PathInput {
  container: string;
  /** The folder the input names when read as a folder: "" or ends with "/". */
  prefix: string;
  /**
   * The input read as a blob name, when it did not end with "/" (so "c/a/b.txt" may be the
   * blob "a/b.txt" or the folder "a/b.txt/"; the caller asks the server which).
   */
  blob?: string;
}

function stripEndpoint(text: string, endpoint: string | undefined): string | null {
  if (!endpoint) return null;
  const base = endpoint.replace(/\/+$/, '');
  if (text.toLowerCase().startsWith(`${base.toLowerCase()}/`)) return text.slice(base.length + 1);
  return null;
}

/**
 * What a user typed or pasted into the path box: "container/some/prefix/", with or
 * without a leading slash; "az://container/prefix", or a blob service URL
 * (https://account.blob.core.windows.net/container/prefix, an emulator's
 * http://127.0.0.1:10000/devstoreaccount1/container/prefix, or anything under the
 * connection's own `endpoint`). Null when nothing usable.
 */
export function parsePathInput(input: string, endpoint?: string): PathInput | null {
  let text = input.trim();
  if (!text) return null;
  const isUrl = /^https?:\/\//i.test(text);
  if (isUrl) {
    // The query (a SAS) and the fragment are not part of the path.
    text = text.split(/[?#]/)[0] ?? '';
    const underEndpoint = stripEndpoint(text, endpoint);
    if (underEndpoint !== null) {
      text = underEndpoint;
    } else {
      const url = /^https?:\/\/([^/]+)\/?(.*)$/i.exec(text);
      if (!url) return null;
      const host = url[1] ?? '';
      text = url[2] ?? '';
      // Path-style URLs (emulators, IP addresses) carry the account as the first segment.
      const pathStyle = /^(localhost|127\.|\d+\.\d+\.\d+\.\d+|\[)/i.test(host);
      if (pathStyle) text = text.slice(text.indexOf('/') + 1 || text.length);
    }
    text = text.split('/').map(decodeSegment).join('/');
  }
  text = text.replace(/^az:\/\//i, '').replace(/^\/+/, '');
  const slash = text.indexOf('/');
  const container = slash < 0 ? text : text.slice(0, slash);
  const rest = slash < 0 ? '' : text.slice(slash + 1);
  if (!container) return null;
  if (!rest) return { container, prefix: '' };
  if (rest.endsWith('/')) return { container, prefix: rest };
  return { container, prefix: `${rest}/`, blob: rest };
}
