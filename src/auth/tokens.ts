import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { unauthorized } from '../errors.js';
import { isStorableText } from '../lib/text.js';

/** What a widget token narrows its customer's rights to: one end user of one chatbot. */
export interface WidgetScope {
  chatbotId: string;
  externalUserId: string;
}

/** Who calls: a customer (tenant), and for a widget token the end user it speaks for. */
export interface Caller {
  customerId: string;
  widget?: WidgetScope;
}

const widgetClaims = z.object({
  chatbotId: z.uuid(),
  externalUserId: z.string().min(1).max(255).refine(isStorableText),
});

/**
 * The caller of a verified token: `sub` is the tenant (a non-empty string). A token with
 * `scope: 'widget'` must name its chatbot and end user; any other scope is not ours.
 */
export function callerFromClaims(claims: unknown): Caller {
  const record = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  const sub = record.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || !isStorableText(sub))
    throw unauthorized('Token has no valid sub claim');
  if (record.scope === undefined) return { customerId: sub };
  if (record.scope !== 'widget') throw unauthorized('Token has an unknown scope');
  const widget = widgetClaims.safeParse(record);
  if (!widget.success) throw unauthorized('Widget token without a valid chatbotId and externalUserId');
  return { customerId: sub, widget: { chatbotId: widget.data.chatbotId, externalUserId: widget.data.externalUserId } };
}

export interface VerifiedToken {
  caller: Caller;
  /** When the token stops being valid (its `exp`), if it has one. */
  expiresAt?: number;
}

/** Verifies an HS256 token (signature and exp) and returns its caller and expiry. */
export function verifyToken(token: unknown, secret: string): VerifiedToken {
  if (typeof token !== 'string' || token.length === 0) throw unauthorized();
  let claims: unknown;
  try {
    claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch {
    throw unauthorized();
  }
  const exp = (claims as { exp?: unknown }).exp;
  return { caller: callerFromClaims(claims), expiresAt: typeof exp === 'number' ? exp * 1000 : undefined };
}

/** Signs a widget token: the customer as `sub`, `scope: 'widget'`, the chatbot and end user, a short life. */
export function signWidgetToken(
  secret: string,
  customerId: string,
  scope: WidgetScope,
  ttlSeconds: number,
): { token: string; expiresAt: string } {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttlSeconds;
  const token = jwt.sign(
    {
      sub: customerId,
      scope: 'widget',
      chatbotId: scope.chatbotId,
      externalUserId: scope.externalUserId,
      iat: now,
      exp,
    },
    secret,
    {
      algorithm: 'HS256',
    },
  );
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}
