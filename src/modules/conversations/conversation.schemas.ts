import { z } from 'zod';
import { intParam, storableText } from '../../http/validate.js';
import { CHANNELS, CONVERSATION_STATUSES } from '../../model/conversation.entity.js';

/**
 * Where a listing stopped: the snapshot time `t` fixed by its first page, and the last row's
 * activity as of `t` (`at`) and id. Timestamps keep PostgreSQL's microseconds, so they round-trip.
 */
export const listingCursorSchema = z
  .strictObject({
    t: z.iso.datetime({ offset: true }),
    at: z.iso.datetime({ offset: true }),
    id: z.uuid(),
  })
  // Activity as of t is never after t: anything else was not made by us.
  .refine((c) => Date.parse(c.at) <= Date.parse(c.t));

export type ListingCursor = z.infer<typeof listingCursorSchema>;

/** Opaque to clients: base64url JSON. */
export const encodeCursor = (cursor: ListingCursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString('base64url');

const INVALID_CURSOR = 'is not a cursor of this listing';

/** base64url JSON decoded, or undefined for anything else (refused by the cursor's schema). */
function decodeBase64UrlJson(value: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The `cursor` query value, decoded and checked; a malformed or altered one is a 400. */
const cursorParam = z
  .string()
  .max(512)
  .transform((value, ctx) => {
    const cursor = listingCursorSchema.safeParse(decodeBase64UrlJson(value));
    if (!cursor.success) {
      ctx.addIssue({ code: 'custom', message: INVALID_CURSOR });
      return z.NEVER;
    }
    return cursor.data;
  });

/** GET /conversations: optional filters, a page size and the cursor of the previous page. */
export const listConversationsQuerySchema = z.strictObject({
  chatbotId: z.uuid().optional(),
  status: z.enum(CONVERSATION_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  // Trimmed like POST /messages/send stores it, so the same input finds the same end user.
  externalUserId: storableText().trim().min(1).max(255).optional(),
  limit: intParam(1, 100).default(20),
  cursor: cursorParam.optional(),
});

export type ListConversationsQuery = z.infer<typeof listConversationsQuerySchema>;

/** POST /conversations/:id/handoff, /resume and /close: an optional reason, sent with `conversation:status`. */
export const conversationReasonSchema = z.strictObject({ reason: storableText().trim().min(1).max(500).optional() });
