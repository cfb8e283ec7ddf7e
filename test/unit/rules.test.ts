import { describe, expect, it, jest } from '@jest/globals';
import { RE2JS } from 're2js';
import { matchRule, ruleSchema, rulesSchema, type Rule } from '../../src/routing/rules.js';

const keyword = (value: string, text = `about ${value}`): Rule => ({
  match: { type: 'keyword', value },
  action: { type: 'reply', text },
});
const regex = (value: string): Rule => ({ match: { type: 'regex', value }, action: { type: 'handoff' } });

/** The issues a client would see in problem+json: path and message only. */
function issuesOf(input: unknown) {
  const result = rulesSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map(({ path, message }) => ({ path, message }));
}

describe('keyword rules match whole words, case-insensitively, in any script', () => {
  const cases: [string, string, boolean][] = [
    ['price', "What's the PRICE?", true],
    ['price', 'price.', true],
    ['price', 'price', true],
    ['price', 'priceless', false],
    ['price', 'overprice', false],
    ['price', 'price_list', false],
    ['price', 'price2', false],
    ['цена', 'Какая цена?', true],
    ['цена', 'КАКАЯ ЦЕНА', true],
    ['цена', 'бесценная', false],
    ['préférence', 'Ma PRÉFÉRENCE !', true],
    ['préférence', 'mes préférences', false],
    ['préférence', 'ma pre\u0301fe\u0301rence', true],
    ['opening hours', 'What are your Opening Hours?', true],
    ['opening hours', 'opening hourses', false],
    ['c++', 'Do you teach C++?', true],
    ['c++', 'c++.', true],
    ['c++', 'abc++', false],
    ['a.b', 'axb', false],
    ['(hi)', 'say (hi)', true],
  ];
  it.each(cases)('%j in %j: %s', (value, text, expected) => {
    expect(matchRule([keyword(value)], text) !== undefined).toBe(expected);
  });
});

describe('regex rules are searched anywhere, case-insensitively', () => {
  const cases: [string, string, boolean][] = [
    ['order\\s*#?\\d+', 'where is ORDER #123 now', true],
    ['^refund', 'I want a refund', false],
    ['^refund', 'Refund please', true],
    ['\\p{Lu}{3}', 'ABC', true],
    ['ц.на', 'ЦЕНА', true],
    ['^.$', '😀', true],
  ];
  it.each(cases)('%j in %j: %s', (value, text, expected) => {
    expect(matchRule([regex(value)], text) !== undefined).toBe(expected);
  });
});

describe('matchRule', () => {
  it('returns the first matching rule and its index', () => {
    const rules = [keyword('refund'), regex('pri.e'), keyword('price', 'second')];
    expect(matchRule(rules, 'the price?')).toEqual({ index: 1, rule: rules[1] });
    expect(matchRule(rules, 'nothing here')).toBeUndefined();
    expect(matchRule([], 'price')).toBeUndefined();
  });

  it('compiles a pattern once, even for rules loaded afresh', () => {
    const compile = jest.spyOn(RE2JS, 'compile');
    try {
      for (let i = 0; i < 3; i++) matchRule([regex('compiled-once-\\d')], 'compiled-once-1');
      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
  });

  it('runs in linear time on adversarial input, even for patterns the schema refuses or misses', () => {
    // (a|a)*b passes safe-regex2 (star height 1) yet is exponential for a backtracking engine.
    expect(ruleSchema.safeParse(regex('(a|a)*b')).success).toBe(true);
    expect(matchRule([regex('(a|a)*b')], 'a'.repeat(8000))).toBeUndefined();
    expect(matchRule([regex('(a+)+$')], `${'a'.repeat(7999)}!`)).toBeUndefined();
    expect(matchRule([regex('(x+x+)+y')], 'x'.repeat(8000))).toBeUndefined();
  });

  it('skips a stored pattern that does not compile instead of throwing', () => {
    expect(matchRule([regex('(a)\\1'), keyword('a')], 'a a')).toMatchObject({ index: 1 });
  });
});

describe('rulesSchema', () => {
  it('accepts valid rules and trims keywords', () => {
    const input = [
      { match: { type: 'keyword', value: '  opening hours ' }, action: { type: 'reply', text: 'We open at 9.' } },
      { match: { type: 'regex', value: '(?<order>\\d{4,})' }, action: { type: 'handoff', text: 'Connecting you.' } },
      { match: { type: 'regex', value: '^\\p{L}+$' }, action: { type: 'handoff' } },
    ];
    const parsed = rulesSchema.parse(input);
    expect(parsed[0].match.value).toBe('opening hours');
    expect(parsed.slice(1)).toEqual(input.slice(1));
  });

  const valid = keyword('price');
  const cases: [string, unknown, { path: (string | number)[]; message: string }][] = [
    [
      'a non-compiling regex',
      regex('(unclosed'),
      { path: [2, 'match', 'value'], message: 'the pattern does not compile: Unterminated group' },
    ],
    [
      'an invalid escape in u mode',
      regex('\\-'),
      { path: [2, 'match', 'value'], message: 'the pattern does not compile: Invalid escape' },
    ],
    [
      'a nested quantifier',
      regex('(a+)+$'),
      {
        path: [2, 'match', 'value'],
        message: 'the pattern can backtrack catastrophically (ReDoS): rewrite it without nested quantifiers',
      },
    ],
    [
      'overlapping nested quantifiers',
      regex('(x+x+)+y'),
      {
        path: [2, 'match', 'value'],
        message: 'the pattern can backtrack catastrophically (ReDoS): rewrite it without nested quantifiers',
      },
    ],
    [
      'too many quantifiers',
      regex('a?'.repeat(26)),
      { path: [2, 'match', 'value'], message: 'the pattern has too many quantifiers: use at most 25' },
    ],
    [
      'a backreference',
      regex('(a)\\1'),
      {
        path: [2, 'match', 'value'],
        message:
          'the pattern uses syntax that is not supported (backreferences, lookahead, lookbehind, \\u escapes): invalid escape sequence: `\\1`',
      },
    ],
    [
      'a lookahead',
      regex('a(?=b)'),
      {
        path: [2, 'match', 'value'],
        message:
          'the pattern uses syntax that is not supported (backreferences, lookahead, lookbehind, \\u escapes): invalid or unsupported Perl syntax: `(?=`',
      },
    ],
    ['an empty keyword', keyword('   '), { path: [2, 'match', 'value'], message: 'must not be empty' }],
    [
      'a keyword too long',
      keyword('x'.repeat(501)),
      { path: [2, 'match', 'value'], message: 'must be at most 500 characters' },
    ],
    [
      'a NUL in a keyword',
      keyword('a\u0000b', 'hello'),
      { path: [2, 'match', 'value'], message: 'must be valid Unicode text without NUL characters' },
    ],
    ['a blank reply', keyword('price', ' \n'), { path: [2, 'action', 'text'], message: 'must not be blank' }],
    [
      'a reply too long',
      keyword('price', 'x'.repeat(8001)),
      { path: [2, 'action', 'text'], message: 'must be at most 8000 characters' },
    ],
    ['an unknown key on the rule', { ...valid, priority: 1 }, { path: [2], message: 'Unrecognized key: "priority"' }],
    [
      'an unknown key on the match',
      { ...valid, match: { type: 'keyword', value: 'x', flags: 'g' } },
      { path: [2, 'match'], message: 'Unrecognized key: "flags"' },
    ],
    [
      'an unknown key on the action',
      { ...valid, action: { type: 'handoff', to: 'bob' } },
      { path: [2, 'action'], message: 'Unrecognized key: "to"' },
    ],
    [
      'an unknown match type',
      { ...valid, match: { type: 'glob', value: 'x' } },
      { path: [2, 'match', 'type'], message: "Invalid discriminator value. Expected 'keyword' | 'regex'" },
    ],
  ];
  it.each(cases)('rejects %s with its exact path and message', (_, rule, issue) => {
    expect(issuesOf([valid, valid, rule])).toEqual([issue]);
  });

  it('rejects more than 50 rules', () => {
    expect(rulesSchema.safeParse(Array(50).fill(valid)).success).toBe(true);
    expect(issuesOf(Array(51).fill(valid))).toEqual([{ path: [], message: 'must have at most 50 rules' }]);
  });
});
