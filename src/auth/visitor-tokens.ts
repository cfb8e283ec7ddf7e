import { hkdfSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { unauthorized } from '../errors.js';

/**
 * An anonymous visitor's token: who the browser's visitor is for one chatbot, kept in its
 * localStorage so a reload or a visit next week is the same end user. HS256 under a key derived
 * from JWT_SECRET for this purpose alone: it is never an API token (nor is an API token one).
 */
export interface VisitorTokens {
  /** A new visitor of this chatbot, or the same one again with a renewed token. */
  sign(chatbotId: string, visitorId?: string): { visitorId: string; visitorToken: string };
  /** The visitor a token names for this chatbot; 401 when it is forged, altered, expired or another bot's. */
  verify(token: string, chatbotId: string): string;
}

const claimsSchema = z.object({ scope: z.literal('visitor'), chatbotId: z.uuid(), sub: z.uuid() });

export function createVisitorTokens(jwtSecret: string, ttlSeconds: number): VisitorTokens {
  const key = Buffer.from(hkdfSync('sha256', jwtSecret, '', 'chatflow visitor tokens', 32));
  return {
    sign(chatbotId, visitorId = randomUUID()) {
      const visitorToken = jwt.sign({ scope: 'visitor', chatbotId, sub: visitorId }, key, {
        algorithm: 'HS256',
        expiresIn: ttlSeconds,
      });
      return { visitorId, visitorToken };
    },
    verify(token, chatbotId) {
      let claims: unknown;
      try {
        claims = jwt.verify(token, key, { algorithms: ['HS256'] });
      } catch {
        throw unauthorized('The visitor token is not valid: start a new visitor without it');
      }
      const parsed = claimsSchema.safeParse(claims);
      if (!parsed.success || parsed.data.chatbotId !== chatbotId)
        throw unauthorized('The visitor token is not valid: start a new visitor without it');
      return parsed.data.sub;
    },
  };
}
