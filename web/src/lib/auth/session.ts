// The signed-in session: the bearer token and when it expires, kept in localStorage so that
// every tab shares it and a reload keeps the user signed in. Listeners hear sign-in, sign-out
// and expiry (a 401 from any call), in this tab and in others.

const storageKey = 'cerulean.session';

export interface Session {
  token: string;
  expiresAt: number; // ms since the epoch
}

export type SignOutReason = 'signed_out' | 'expired';

type Listener = (session: Session | null, reason?: SignOutReason) => void;
const listeners = new Set<Listener>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'number') return null;
    if (parsed.expiresAt <= Date.now()) return null;
    return { token: parsed.token, expiresAt: parsed.expiresAt };
  } catch {
    return null;
  }
}

let current: Session | null = read();
let lastEnd: SignOutReason | null = null;

/** Why the last session ended in this tab (for the sign-in page's message), or null. */
export function lastSignOutReason(): SignOutReason | null {
  return lastEnd;
}

export function getSession(): Session | null {
  if (current && current.expiresAt <= Date.now()) current = null;
  return current;
}

export function startSession(token: string, expiresInSeconds: number): void {
  current = { token, expiresAt: Date.now() + expiresInSeconds * 1000 };
  lastEnd = null;
  localStorage.setItem(storageKey, JSON.stringify(current));
  listeners.forEach((l) => l(current));
}

export function endSession(reason: SignOutReason = 'signed_out'): void {
  const had = current !== null;
  current = null;
  lastEnd = reason;
  localStorage.removeItem(storageKey);
  if (had || reason === 'expired') listeners.forEach((l) => l(null, reason));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== storageKey) return;
    current = read();
    listeners.forEach((l) => l(current, current ? undefined : 'signed_out'));
  });
}
