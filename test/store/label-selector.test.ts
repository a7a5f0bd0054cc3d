import { describe, expect, test } from 'vitest';
import { LabelSelectorError, matchesLabelSelector, parseLabelSelector, selectorCovers } from '../../src/store/label-selector.js';
import { StoreError, type LabelSelector } from '../../src/store/types.js';

describe('parseLabelSelector', () => {
  const valid: { input: string; want: LabelSelector; reason: string }[] = [
    { input: '', want: [], reason: 'the empty selector selects everything' },
    { input: '   ', want: [], reason: 'whitespace only is empty too' },
    { input: 'a=b', want: [{ key: 'a', op: 'Equals', value: 'b' }], reason: 'equality' },
    { input: 'a==b', want: [{ key: 'a', op: 'Equals', value: 'b' }], reason: '== is a synonym of =' },
    { input: 'a!=b', want: [{ key: 'a', op: 'NotEquals', value: 'b' }], reason: 'inequality' },
    { input: 'a=', want: [{ key: 'a', op: 'Equals', value: '' }], reason: 'an empty value is a valid label value' },
    { input: 'e in (x,y)', want: [{ key: 'e', op: 'In', values: ['x', 'y'] }], reason: 'set inclusion' },
    { input: 'f notin (z)', want: [{ key: 'f', op: 'NotIn', values: ['z'] }], reason: 'set exclusion' },
    { input: 'e in(x)', want: [{ key: 'e', op: 'In', values: ['x'] }], reason: 'no space needed before (' },
    { input: 'g', want: [{ key: 'g', op: 'Exists' }], reason: 'a bare key tests existence' },
    { input: '!h', want: [{ key: 'h', op: 'DoesNotExist' }], reason: '! tests absence' },
    {
      input: 'a=b,c!=d,e in (x,y),f notin (z),g,!h',
      want: [
        { key: 'a', op: 'Equals', value: 'b' },
        { key: 'c', op: 'NotEquals', value: 'd' },
        { key: 'e', op: 'In', values: ['x', 'y'] },
        { key: 'f', op: 'NotIn', values: ['z'] },
        { key: 'g', op: 'Exists' },
        { key: 'h', op: 'DoesNotExist' },
      ],
      reason: 'every operator, comma-separated (the documented example)',
    },
    {
      input: ' app.kubernetes.io/name = web , tier in ( a , b ) ',
      want: [
        { key: 'app.kubernetes.io/name', op: 'Equals', value: 'web' },
        { key: 'tier', op: 'In', values: ['a', 'b'] },
      ],
      reason: 'prefixed keys, whitespace around every token',
    },
    { input: 'in in (notin)', want: [{ key: 'in', op: 'In', values: ['notin'] }], reason: 'the keywords are plain words where a key or value is expected' },
    { input: 'v=1.2_3-x', want: [{ key: 'v', op: 'Equals', value: '1.2_3-x' }], reason: 'values may hold . _ - inside' },
  ];
  test.each(valid)('$input → parsed ($reason)', ({ input, want }) => {
    expect(parseLabelSelector(input)).toEqual(want);
  });

  const invalid: { input: string; error: RegExp; position: number; reason: string }[] = [
    { input: 'a=b,', error: /expected a label key, found end of input/, position: 4, reason: 'trailing comma' },
    { input: ',a', error: /expected a label key, found ","/, position: 0, reason: 'leading comma' },
    { input: 'a b', error: /expected an operator after the key, found a word/, position: 2, reason: 'two words without an operator' },
    { input: 'a>1', error: /operator ">" is not supported/, position: 1, reason: 'numeric comparisons are not part of the contract' },
    { input: 'a in x', error: /expected "\(" after "in"/, position: 5, reason: 'a set needs parentheses' },
    { input: 'a in ()', error: /value set of "in" must not be empty/, position: 6, reason: 'empty sets select nothing useful' },
    { input: 'a notin (x', error: /expected "," or "\)" in the value set, found end of input/, position: 10, reason: 'unclosed set' },
    { input: 'a=b=c', error: /expected "," between requirements, found "="/, position: 3, reason: 'a second operator' },
    { input: '-a=b', error: /the key name must be 1-63 characters/, position: 0, reason: 'keys start alphanumeric' },
    { input: 'Foo.Com/a=b', error: /the key prefix must be a DNS subdomain/, position: 0, reason: 'prefixes are lowercase DNS names' },
    { input: `${'k'.repeat(64)}`, error: /must be 1-63 characters/, position: 0, reason: 'key names are at most 63 characters' },
    { input: `a=${'v'.repeat(64)}`, error: /the value must be at most 63 characters/, position: 2, reason: 'values are at most 63 characters' },
    { input: "a=x'y", error: /the value must be/, position: 2, reason: 'quotes are not label characters' },
    { input: 'a!b', error: /expected an operator after the key, found "!"/, position: 1, reason: '! alone is not an operator after a key' },
    { input: '!', error: /expected a label key, found end of input/, position: 1, reason: '! needs a key' },
  ];
  test.each(invalid)('$input → error at $position ($reason)', ({ input, error, position }) => {
    let thrown: unknown;
    try {
      parseLabelSelector(input);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LabelSelectorError);
    const e = thrown as LabelSelectorError;
    expect(e).toBeInstanceOf(StoreError); // the API maps it like any StoreError
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(error);
    expect(e.position).toBe(position);
  });
});

describe('matchesLabelSelector', () => {
  const labels = { env: 'prod', tier: 'gold' };
  const cases: { selector: string; want: boolean; reason: string }[] = [
    { selector: '', want: true, reason: 'empty selects all' },
    { selector: 'env=prod,tier', want: true, reason: 'all requirements hold' },
    { selector: 'env=prod,!tier', want: false, reason: 'requirements are ANDed' },
    { selector: 'region!=eu', want: true, reason: '!= matches a missing key' },
    { selector: 'region notin (eu)', want: true, reason: 'notin matches a missing key' },
    { selector: 'region in (eu)', want: false, reason: 'in needs the key' },
    { selector: 'env in (dev,prod)', want: true, reason: 'in matches any listed value' },
  ];
  test.each(cases)('$selector → $want ($reason)', ({ selector, want }) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(want);
  });
});

describe('selectorCovers', () => {
  const covers = (by: string, query: string) => selectorCovers(parseLabelSelector(by), parseLabelSelector(query));

  test('a watch of what carries a label covers a query that names its value, and more requirements narrow it further', () => {
    expect(covers('managed=kn,app', 'managed=kn,tenant=acme,project=web,app=shop')).toBe(true);
    expect(covers('', 'anything=at-all')).toBe(true);
    expect(covers('managed=kn', '')).toBe(false);
    expect(covers('managed=kn,app', 'managed=kn,tenant=acme')).toBe(false);
    expect(covers('managed=kn,app', 'managed=kn,app!=shop')).toBe(false);
  });

  test('equality, sets and absence imply what admits every value they admit', () => {
    expect(covers('tier in (a,b)', 'tier=a')).toBe(true);
    expect(covers('tier in (a,b)', 'tier in (a,b)')).toBe(true);
    expect(covers('tier in (a,b)', 'tier in (a,c)')).toBe(false);
    expect(covers('tier!=c', 'tier=a')).toBe(true);
    expect(covers('tier!=c', '!tier')).toBe(true);
    expect(covers('tier!=c', 'tier notin (c,d)')).toBe(true);
    expect(covers('tier notin (c,d)', 'tier!=c')).toBe(false);
    expect(covers('!project', '!project,tenant=acme')).toBe(true);
    expect(covers('!project', 'project!=web')).toBe(false);
    expect(covers('tier', 'tier!=a')).toBe(false);
  });

  test('agrees with matching: whatever the query selects, the covering selector selects too', () => {
    const selectors = ['a', '!a', 'a=1', 'a!=1', 'a in (1,2)', 'a notin (1,2)', 'a=2', 'a in (2)'];
    const labelSets: Record<string, string>[] = [{}, { a: '1' }, { a: '2' }, { a: '3' }];
    for (const by of selectors) {
      for (const query of selectors) {
        if (!covers(by, query)) continue;
        for (const labels of labelSets) {
          if (matchesLabelSelector(parseLabelSelector(query), labels))
            expect(matchesLabelSelector(parseLabelSelector(by), labels), `${by} ⊇ ${query} at ${JSON.stringify(labels)}`).toBe(true);
        }
      }
    }
  });
});
