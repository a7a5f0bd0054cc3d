// Text PostgreSQL can store: text and jsonb hold no NUL character, and UTF-8 has no encoding
// for an unpaired UTF-16 surrogate (drivers would silently replace it).
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}
