/**
 * The optional bearer token: taken from `?token=` once, kept in sessionStorage (so it dies with the
 * tab) and removed from the address bar so it is not bookmarked or shared by accident.
 */
const KEY = 'imagebind.token';

export function captureTokenFromUrl(): void {
  const url = new URL(location.href);
  const t = url.searchParams.get('token');
  if (t === null) return;
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
  } catch { /* see getToken */ }
}

export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export function withToken(url: string): string {
  const t = getToken();
  if (!t) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(t)}`;
}
