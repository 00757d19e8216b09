/**
 * The optional bearer token: taken from `?token=` once, kept in sessionStorage (so it dies with the
 * tab) and removed from the address bar so it is not bookmarked or shared by accident. It is also
 * mirrored into a session cookie, because <img>/<audio>/<video> cannot send an Authorization header
 * and the server accepts the `imagebind_token` cookie for media.
 */
const KEY = 'imagebind.token';

function syncCookie(t: string): void {
  const attrs = `; path=/; SameSite=Strict${location.protocol === 'https:' ? '; Secure' : ''}`;
  document.cookie = t ? `imagebind_token=${encodeURIComponent(t)}${attrs}` : `imagebind_token=${attrs}; max-age=0`;
}

export function captureTokenFromUrl(): void {
  const url = new URL(location.href);
  const t = url.searchParams.get('token');
  if (t === null) {
    syncCookie(getToken());
    return;
  }
  setToken(t);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + (url.search || '') + url.hash);
}

export function getToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return ''; // storage disabled (private mode, sandboxed frame): run without a token
  }
}

export function setToken(t: string): void {
  try {
    if (t) sessionStorage.setItem(KEY, t);
    else sessionStorage.removeItem(KEY);
  } catch {
    /* see getToken */
  }
  syncCookie(t);
}

export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}
