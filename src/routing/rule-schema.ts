import safeRegex from 'safe-regex2';
import { z } from 'zod';
import { storableText } from '../http/validate.js';
import type { Rule } from '../model/chatbot.entity.js';
import { compileRegex } from './rule-matcher.js';

const MAX_RULES = 50;
const MAX_VALUE = 500;
const MAX_TEXT = 8000;

/** The reason after V8's "Invalid regular expression: /…/iu: " (the pattern itself may hold ": "). */
const jsReason = (message: string) => message.slice(message.lastIndexOf(': ') + 2);
const re2Reason = (message: string) => message.replace(/^error parsing regexp: /, '');

/**
 * Why a customer's pattern is refused, or undefined. It must be a JavaScript RegExp (what the
 * customer is told to write) that RE2 also accepts (what runs it), and pass safe-regex2, so the
 * pattern stays safe even where it is ever run by a backtracking engine. Checked in that order so
 * that each refusal names the real cause.
 */
function patternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'iu');
  } catch (error) {
    return `the pattern does not compile: ${jsReason((error as Error).message)}`;
  }
  try {
    compileRegex(pattern);
  } catch (error) {
    return `the pattern uses syntax that is not supported (backreferences, lookahead, lookbehind, \\u escapes): ${re2Reason((error as Error).message)}`;
  }
  if (!safeRegex(pattern, { limit: Infinity })) {
    return 'the pattern can backtrack catastrophically (ReDoS): rewrite it without nested quantifiers';
  }
  if (!safeRegex(pattern)) return 'the pattern has too many quantifiers: use at most 25';
  return undefined;
}

const keywordValue = storableText()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_VALUE, `must be at most ${MAX_VALUE} characters`);

const regexValue = storableText()
  .min(1, 'must not be empty')
  .max(MAX_VALUE, `must be at most ${MAX_VALUE} characters`)
  .superRefine((pattern, ctx) => {
    const problem = patternProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A blank reply would send the customer's user an empty bubble. */
const actionText = storableText()
  .min(1, 'must not be empty')
  .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
  .refine((text) => text.trim() !== '', 'must not be blank');

const matchSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('keyword'), value: keywordValue }),
  z.strictObject({ type: z.literal('regex'), value: regexValue }),
]);

const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('reply'), text: actionText }),
  z.strictObject({ type: z.literal('handoff'), text: actionText.optional() }),
]);

/** One chatbot rule; every issue carries its exact path (e.g. ['match', 'value']) for problem+json. */
export const ruleSchema: z.ZodType<Rule> = z.strictObject({ match: matchSchema, action: actionSchema });

/** A chatbot's ordered rules: the first that matches a message wins. */
export const rulesSchema = z.array(ruleSchema).max(MAX_RULES, `must have at most ${MAX_RULES} rules`);
