/**
 * A web origin as a browser sends it in `Origin`: `http(s)://host[:port]`, lower case, the default
 * port left out. Anything else — a path, a query, credentials, a wildcard, `null` (a sandboxed
 * frame or a file) — is not one.
 */
export function parseOrigin(value: string): string | undefined {
  if (!/^https?:\/\/[^/?#*\s]+\/?$/i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  return url.origin;
}

/** Whether a request's `Origin` is the server's own (its `Host`): the product's own pages. */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
