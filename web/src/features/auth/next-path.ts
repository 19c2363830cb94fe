// Where to go after signing in: only a path of this site. Anything else ("//evil.example",
// "https://evil.example", "/\\evil.example", "javascript:...") would make the sign-in page an
// open redirect, so it becomes "/".

const authPages = ['/sign-in', '/register'];

export function safeNextPath(raw: string | null | undefined): string {
  if (!raw) return '/';
  // A single leading '/', not '//' or '/\' (browsers read both as another host), no control
  // characters or whitespace that browsers strip before parsing.
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if (/[\u0000-\u001f\u007f\s\\]/.test(raw.slice(0, 2))) return '/';
  // eslint-disable-next-line no-control-regex -- as above
  if (/[\u0000-\u001f\u007f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, 'https://cerulean.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'https://cerulean.invalid') return '/';
  if (authPages.includes(url.pathname)) return '/';
  return url.pathname + url.search + url.hash;
}
