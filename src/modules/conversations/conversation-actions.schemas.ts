import { z } from 'zod';
import { storableText } from '../../http/validate.js';

/** POST /conversations/:id/handoff, /resume and /close: an optional reason, sent with `conversation:status`. */
export const conversationReasonSchema = z.strictObject({ reason: storableText().trim().min(1).max(500).optional() });
