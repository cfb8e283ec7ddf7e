import { RE2JS } from 're2js';
import type { Rule } from '../model/chatbot.entity.js';

export interface RuleMatch {
  index: number;
  rule: Rule;
}

type Matcher = (text: string) => boolean;

/** Not a letter, mark, number or underscore on either side: works for any script, and for keywords like "c++". */
const BEFORE_BOUNDARY = '(?<![\\p{L}\\p{M}\\p{N}_])';
const AFTER_BOUNDARY = '(?![\\p{L}\\p{M}\\p{N}_])';
/** The characters a 'u' RegExp lets (and needs) one to escape; escaping anything else is a syntax error there. */
const SYNTAX_CHARACTERS = /[\\^$.*+?()[\]{}|/]/g;

/**
 * Compiles a customer's pattern with RE2 (a port of Google's linear-time engine), so no pattern,
 * even one the write-time ReDoS check misses, can hang the process. Throws RE2's syntax error.
 */
export function compileRegex(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

/**
 * A keyword as a whole word, case-folded ('iu'). V8 is safe here: the keyword is escaped, so the
 * pattern is a literal between two one-character lookarounds and cannot backtrack.
 */
function keywordMatcher(keyword: string): Matcher {
  const literal = keyword.normalize('NFC').replace(SYNTAX_CHARACTERS, '\\$&');
  const regex = new RegExp(BEFORE_BOUNDARY + literal + AFTER_BOUNDARY, 'iu');
  return (text) => regex.test(text);
}

/** A stored rule that no longer compiles never matches: one bad rule must not stop every conversation. */
function regexMatcher(pattern: string): Matcher {
  try {
    const regex = compileRegex(pattern);
    return (text) => regex.test(text);
  } catch {
    return () => false;
  }
}

/**
 * Keyed by pattern rather than by rule object: rules are loaded afresh for each message, so a
 * WeakMap would recompile every time. Bounded, least recently used out first.
 */
const CACHE_SIZE = 1000;
const cache = new Map<string, Matcher>();

function matcherFor({ type, value }: Rule['match']): Matcher {
  const key = `${type}\u0000${value}`;
  let matcher = cache.get(key);
  if (matcher) {
    cache.delete(key);
  } else {
    matcher = type === 'keyword' ? keywordMatcher(value) : regexMatcher(value);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, matcher);
  return matcher;
}

/**
 * First matching rule wins. The text is NFC-normalized first, so "é" typed as e + accent still
 * matches a keyword typed as one character.
 */
export function matchRule(rules: Rule[], text: string): RuleMatch | undefined {
  const normalized = text.normalize('NFC');
  const index = rules.findIndex((rule) => matcherFor(rule.match)(normalized));
  return index === -1 ? undefined : { index, rule: rules[index] };
}
