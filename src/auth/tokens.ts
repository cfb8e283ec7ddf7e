import jwt from 'jsonwebtoken';
import { unauthorized } from '../errors.js';

/** The tenant of a verified token: its `sub`, which must be a non-empty string. */
export function customerIdFromClaims(claims: unknown): string {
  const sub = typeof claims === 'object' && claims !== null ? (claims as { sub?: unknown }).sub : undefined;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) throw unauthorized('Token has no valid sub claim');
  return sub;
}

/** Verifies an HS256 token (signature and exp) and returns its customer id. */
export function verifyToken(token: unknown, secret: string): string {
  if (typeof token !== 'string' || token.length === 0) throw unauthorized();
  let claims: unknown;
  try {
    claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch {
    throw unauthorized();
  }
  return customerIdFromClaims(claims);
}
