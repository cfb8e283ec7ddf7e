import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether `userHash` is the hex HMAC-SHA256 of `userId` keyed with the chatbot's identity secret:
 * what the customer's server computes for a signed-in user (the scheme other widgets use), so a
 * page cannot claim to be a user its site did not sign in. Compared in constant time.
 */
export function isUserHash(userId: string, userHash: string, identitySecret: string): boolean {
  const expected = createHmac('sha256', identitySecret).update(userId, 'utf8').digest();
  const given = Buffer.from(userHash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
