// Limits on JSON bodies that a schema cannot state but storage needs: bounded nesting (deep
// documents exhaust recursion in serializers and the database) and text PostgreSQL's jsonb can
// hold (no NUL characters, no unpaired UTF-16 surrogates).
import { isStorableText } from '../store/text.js';
import { pointerToken, type ErrorDetail } from './errors.js';

export const MAX_BODY_DEPTH = 32;

/** The first problem with the body's shape, or undefined. Iterative: depth is what is checked. */
export function bodyShapeProblem(body: unknown): ErrorDetail | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: 'body', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return { field: path, reason: 'contains a NUL character or an unpaired surrogate' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return { field: path, reason: `nests deeper than ${MAX_BODY_DEPTH} levels` };
    for (const [key, child] of Object.entries(value)) {
      if (!isStorableText(key)) return { field: path, reason: 'has a key with a NUL character or an unpaired surrogate' };
      stack.push({ value: child, path: `${path}/${pointerToken(key)}`, depth: depth + 1 });
    }
  }
  return undefined;
}
