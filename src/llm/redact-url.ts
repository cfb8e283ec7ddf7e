/**
 * A URL fit for a banner or a log line: user, password and every query value (an `api-key=` is
 * common with OpenAI-compatible gateways) replaced by `***`.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(not a valid URL)';
  }
  if (url.username) url.username = '***';
  if (url.password) url.password = '***';
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, '***');
  return url.toString();
}
