// The connection the user last worked in, remembered across reloads; the URL (/c/{id}/...)
// is the truth while browsing, this is where "/" goes back to.
const key = 'cerulean.connection';

export function rememberedConnection(): number | null {
  const raw = localStorage.getItem(key);
  const id = raw ? Number(raw) : NaN;
  return Number.isInteger(id) && id > 0 ? id : null;
}

export function rememberConnection(id: number | null): void {
  if (id === null) localStorage.removeItem(key);
  else localStorage.setItem(key, String(id));
}

/**
 * Where a connection's link goes from the page at `pathname`: its sync jobs while the user is
 * in the sync section (/sync/...), else its containers.
 */
export function connectionPath(id: number, pathname: string): string {
  return pathname === '/sync' || pathname.startsWith('/sync/') ? `/sync/${id}` : `/c/${id}`;
}
