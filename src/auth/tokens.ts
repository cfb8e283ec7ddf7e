import jwt from 'jsonwebtoken';
import { unauthorized } from '../errors.js';
import { isStorableText } from '../http/validate.js';

/** The tenant of a verified token: its `sub`, which must be a non-empty string. */
export function customerIdFromClaims(claims: unknown): string {
  const sub = typeof claims === 'object' && claims !== null ? (claims as { sub?: unknown }).sub : undefined;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || !isStorableText(sub)) throw unauthorized('Token has no valid sub claim');
  return sub;
}

export interface VerifiedToken {
  customerId: string;
  /** When the token stops being valid (its `exp`), if it has one. */
  expiresAt?: number;
}

/** Verifies an HS256 token (signature and exp) and returns its customer and expiry. */
export function verifyToken(token: unknown, secret: string): VerifiedToken {
  if (typeof token !== 'string' || token.length === 0) throw unauthorized();
  let claims: unknown;
  try {
    claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch {
    throw unauthorized();
  }
  const exp = (claims as { exp?: unknown }).exp;
  return { customerId: customerIdFromClaims(claims), expiresAt: typeof exp === 'number' ? exp * 1000 : undefined };
}
