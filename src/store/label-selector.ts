// Kubernetes label selectors: parsing the `?labelSelector=` syntax, matching in memory, and
// translating to a parameterised SQL condition on the jsonb `labels` column.
import type { Labels } from '../domain/resource.js';
import type { Params } from './sql.js';
import { StoreError, type LabelRequirement, type LabelSelector } from './types.js';

/** A selector that does not parse; `position` is the 0-based offset of the offending token.
 *  The message names positions and the syntax's own symbols, never the client's words: it is
 *  shown to the client, and a selector can hold anything. */
export class LabelSelectorError extends StoreError {
  constructor(
    readonly selector: string,
    readonly position: number,
    detail: string,
  ) {
    super('INVALID_ARGUMENT', `invalid label selector at position ${position}: ${detail}`);
  }
}

// Kubernetes' validation of label keys ([prefix/]name) and values.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'the key prefix must be a DNS subdomain (lowercase, at most 253 characters)';
  }
  if (name.length > 63 || !NAME.test(name)) {
    return 'the key name must be 1-63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric';
  }
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return 'the value must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric';
  }
  return undefined;
}

type TokenType = 'ident' | '!' | '=' | '!=' | ',' | '(' | ')' | '<' | '>' | 'end';
interface Token {
  type: TokenType;
  text: string;
  pos: number;
}

const SPECIAL = new Set([' ', '\t', '\n', '\r', '!', '=', ',', '(', ')', '<', '>']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '!' && input[i + 1] === '=') {
      tokens.push({ type: '!=', text: '!=', pos: i });
      i += 2;
    } else if (c === '=') {
      const text = input[i + 1] === '=' ? '==' : '='; // `==` is a synonym of `=`
      tokens.push({ type: '=', text, pos: i });
      i += text.length;
    } else if (SPECIAL.has(c)) {
      tokens.push({ type: c as TokenType, text: c, pos: i });
      i++;
    } else {
      const start = i;
      while (i < input.length && !SPECIAL.has(input[i]!) && !/\s/.test(input[i]!)) i++;
      tokens.push({ type: 'ident', text: input.slice(start, i), pos: start });
    }
  }
  tokens.push({ type: 'end', text: '', pos: input.length });
  return tokens;
}

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`; the empty string selects everything.
 *  Throws LabelSelectorError (a StoreError, INVALID_ARGUMENT) on any syntax or validation error. */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  let at = 0;
  const peek = (): Token => tokens[at]!;
  const next = (): Token => tokens[at++]!;
  const fail = (tok: Token, detail: string): never => {
    throw new LabelSelectorError(input, tok.pos, detail);
  };
  // Symbols are the syntax's own; a word is the client's, so it is only called one.
  const describe = (tok: Token): string => (tok.type === 'end' ? 'end of input' : tok.type === 'ident' ? 'a word' : JSON.stringify(tok.text));
  const key = (): string => {
    const tok = next();
    if (tok.type !== 'ident') fail(tok, `expected a label key, found ${describe(tok)}`);
    const problem = keyProblem(tok.text);
    if (problem) fail(tok, problem);
    return tok.text;
  };
  // A value may be empty (`a=` selects objects whose label a is "").
  const value = (): string => {
    const tok = peek();
    if (tok.type !== 'ident') return '';
    at++;
    const problem = valueProblem(tok.text);
    if (problem) fail(tok, problem);
    return tok.text;
  };
  const valueSet = (op: string): string[] => {
    const open = next();
    if (open.type !== '(') fail(open, `expected "(" after "${op}", found ${describe(open)}`);
    if (peek().type === ')') fail(peek(), `the value set of "${op}" must not be empty`);
    const values: string[] = [];
    for (;;) {
      values.push(value());
      const tok = next();
      if (tok.type === ')') return values;
      if (tok.type !== ',') fail(tok, `expected "," or ")" in the value set, found ${describe(tok)}`);
    }
  };
  const requirement = (): LabelRequirement => {
    if (peek().type === '!') {
      next();
      return { key: key(), op: 'DoesNotExist' };
    }
    const k = key();
    const tok = peek();
    switch (tok.type) {
      case ',':
      case 'end':
        return { key: k, op: 'Exists' };
      case '=':
        next();
        return { key: k, op: 'Equals', value: value() };
      case '!=':
        next();
        return { key: k, op: 'NotEquals', value: value() };
      case '<':
      case '>':
        return fail(tok, `operator "${tok.text}" is not supported (use =, ==, !=, in, notin, exists, !)`);
      case 'ident':
        if (tok.text === 'in' || tok.text === 'notin') {
          next();
          return { key: k, op: tok.text === 'in' ? 'In' : 'NotIn', values: valueSet(tok.text) };
        }
        return fail(tok, `expected an operator after the key, found ${describe(tok)}`);
      default:
        return fail(tok, `expected an operator after the key, found ${describe(tok)}`);
    }
  };

  const selector: LabelSelector = [];
  if (peek().type === 'end') return selector;
  for (;;) {
    selector.push(requirement());
    const tok = next();
    if (tok.type === 'end') return selector;
    if (tok.type !== ',') fail(tok, `expected "," between requirements, found ${describe(tok)}`);
  }
}

/** Kubernetes semantics: `!=` and `notin` also select objects without the key. */
export function matchesLabelSelector(selector: LabelSelector, labels: Labels): boolean {
  return selector.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'Equals':
        return has && v === r.value;
      case 'NotEquals':
        return !has || v !== r.value;
      case 'In':
        return has && r.values.includes(v!);
      case 'NotIn':
        return !has || !r.values.includes(v!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

/** The selector as a SQL condition on `column` (a trusted column name); keys and values only
 *  ever travel as parameters. */
export function labelSelectorSql(selector: LabelSelector, params: Params, column = 'labels'): string {
  if (selector.length === 0) return 'TRUE';
  return selector
    .map((r) => {
      // Only the operators that read the value add the key parameter for it: an unused
      // parameter would make PostgreSQL reject the statement.
      const value = () => `(${column} ->> ${params.add(r.key)})`;
      switch (r.op) {
        case 'Equals':
          // Containment lets the GIN index on labels serve the common case.
          return `${column} @> ${params.json({ [r.key]: r.value })}`;
        case 'NotEquals':
          return `${value()} IS DISTINCT FROM ${params.add(r.value)}`;
        case 'In':
          return r.values.length === 0 ? 'FALSE' : `${value()} IN (${placeholders(r.values, params)})`;
        case 'NotIn': {
          if (r.values.length === 0) return 'TRUE';
          const v = value();
          return `(${v} IS NULL OR ${v} NOT IN (${placeholders(r.values, params)}))`;
        }
        case 'Exists':
          return `${column} ? ${params.add(r.key)}`;
        case 'DoesNotExist':
          return `NOT (${column} ? ${params.add(r.key)})`;
        default:
          throw new StoreError('INVALID_ARGUMENT', `unknown label selector operator ${JSON.stringify((r as { op: unknown }).op)}`);
      }
    })
    .join(' AND ');
}

function placeholders(values: readonly string[], params: Params): string {
  return values.map((v) => params.add(v)).join(', ');
}

/** Whether every label set `query` selects is also selected by `by` (so a cache of what `by`
 *  selects holds everything `query` would list). Per requirement of `by`, one of `query` on the
 *  same key must imply it; conservative: false when unsure. */
export function selectorCovers(by: LabelSelector, query: LabelSelector): boolean {
  return by.every((w) => query.some((q) => implies(q, w)));
}

function implies(q: LabelRequirement, w: LabelRequirement): boolean {
  if (q.key !== w.key) return false;
  const accepts = (value: string | undefined) => matchesLabelSelector([w], value === undefined ? {} : { [w.key]: value });
  const admitsAbsent = q.op === 'NotEquals' || q.op === 'NotIn' || q.op === 'DoesNotExist';
  if (admitsAbsent && !accepts(undefined)) return false;
  if (q.op === 'DoesNotExist') return true;
  if (q.op === 'Equals') return accepts(q.value);
  if (q.op === 'In') return q.values.every((v) => accepts(v));
  // q admits every present value but a few: w must too.
  const excluded = q.op === 'NotEquals' ? [q.value] : q.op === 'NotIn' ? q.values : [];
  if (w.op === 'Exists') return true;
  if (w.op === 'NotEquals') return excluded.includes(w.value);
  if (w.op === 'NotIn') return w.values.every((v) => excluded.includes(v));
  return false;
}
