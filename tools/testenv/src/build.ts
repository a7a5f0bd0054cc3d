import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUILD_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'build.sh');

/**
 * The directory with `bin/` and `charts/` for the pinned versions. `build.sh` prints it at once
 * when the cache is complete and builds it otherwise (which takes a long while the first time).
 */
export async function buildDir(log: (line: string) => void = () => {}): Promise<string> {
  const child = run('bash', [BUILD_SCRIPT], { maxBuffer: 16 * 1024 * 1024 });
  child.child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('[testenv build]')) log(line);
  });
  const { stdout } = await child;
  const dir = stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(join(dir, '.complete'))) throw new Error(`build.sh printed ${JSON.stringify(dir)}, not a complete build`);
  return dir;
}
