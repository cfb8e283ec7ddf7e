import { createHash } from 'node:crypto';

/**
 * The Content-Security-Policy of the HTML pages the product serves (/docs, /demo): their own
 * scripts, styles and connections only, never framed by another site (clickjacking), no plugins,
 * no <base> or form redirection. `inlineStyles` are allowed by their hashes.
 */
export function pagePolicy(options: { inlineStyles?: string[]; styleAttributes?: boolean } = {}): string {
  const hashes = (options.inlineStyles ?? []).map(
    (css) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`,
  );
  const style = ["'self'", ...(options.styleAttributes ? ["'unsafe-inline'"] : hashes)].join(' ');
  return [
    "default-src 'self'",
    "img-src 'self' data:",
    `style-src ${style}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
