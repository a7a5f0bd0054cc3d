// Optimistic concurrency: the version a write expects, from `If-Match: "<resourceVersion>"` or
// the body's `resourceVersion`. The store rejects the write (409 CONFLICT) if it is not current.
import { validationFailed } from './errors.js';

const STRONG_ETAG = /^"([^"]{1,64})"$/;

export function expectedVersion(ifMatch: string | string[] | undefined, bodyVersion: string | undefined): string | undefined {
  let fromHeader: string | undefined;
  if (ifMatch !== undefined && ifMatch !== '*') {
    // One strong ETag: weak ones cannot be compared for a write (RFC 9110 13.1.1), and a list
    // would be a second way of saying the same thing.
    const m = typeof ifMatch === 'string' ? STRONG_ETAG.exec(ifMatch.trim()) : null;
    if (!m) throw validationFailed([{ field: 'header/if-match', reason: 'must be one strong ETag, "<resourceVersion>", or *' }]);
    fromHeader = m[1];
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw validationFailed([{ field: 'body/resourceVersion', reason: 'differs from the If-Match header' }]);
  }
  return fromHeader ?? bodyVersion;
}
