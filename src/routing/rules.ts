/** Chatbot rules: validated on write (rule-schema), matched against each incoming message (rule-matcher). */
export { ruleSchema, rulesSchema } from './rule-schema.js';
export type { Rule } from '../model/chatbot.entity.js';
export { matchRule, type RuleMatch } from './rule-matcher.js';
