/** Chatbot rules: validated on write (rule-schema), matched against each incoming message (rule-matcher). */
export { ruleSchema, rulesSchema, type Rule } from './rule-schema.js';
export { matchRule, type RuleMatch } from './rule-matcher.js';
