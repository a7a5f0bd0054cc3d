// Platform administration: `keys rotate` starts envelope-encryption key rotation.
import type { CliContext } from '../context.js';
import { formatData, parseOutputFormat } from '../output.js';

export const KEYS_ROTATE_PATH = '/admin/keys:rotate';

export async function rotateKeys(ctx: CliContext, opts: { output?: string }): Promise<void> {
  const format = opts.output === undefined ? undefined : parseOutputFormat(opts.output);
  const client = await ctx.client();
  const { body } = await client.request<Record<string, unknown>>('POST', KEYS_ROTATE_PATH, { body: {} });
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(formatData(body, format));
    return;
  }
  const b = body ?? {};
  const key = b.activeKeyId ?? b.keyId ?? b.activeKey;
  const n = b.rewrapped ?? b.rewrappedCount ?? b.count;
  const parts = [
    key !== undefined && `active key ${typeof key === 'string' ? key : JSON.stringify(key)}`,
    n !== undefined && `${typeof n === 'number' ? n : JSON.stringify(n)} secret(s) re-wrapped`,
  ].filter(Boolean);
  ctx.print(`Keys rotated${parts.length ? `: ${parts.join(', ')}` : ''}`);
}
