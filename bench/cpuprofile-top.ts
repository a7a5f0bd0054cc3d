// Where a `node --cpu-prof` profile spends its time (not a test): self time by function and by
// file (node_modules packages grouped by package), and the inclusive CPU time of KubeNova's own
// functions, from the .cpuprofile's samples.
//
//   node --import tsx bench/cpuprofile-top.ts <file.cpuprofile> [top=25]
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: bench/cpuprofile-top.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
// A sample weighs the time since the previous one, but at most 10 sampling intervals: when the
// sampler thread is not scheduled for seconds (a saturated machine), the gap says nothing about
// what ran, and would be charged whole to the one sample after it.
const interval = [...profile.timeDeltas].sort((a, b) => a - b)[Math.floor(profile.timeDeltas.length / 2)] ?? 1_000;
const maxWeightUs = 10 * interval;
const selfUs = new Map<number, number>();
let gapUs = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  gapUs += Math.max(0, delta - maxWeightUs);
  selfUs.set(id, (selfUs.get(id) ?? 0) + Math.min(delta, maxWeightUs));
});
const totalUs = profile.endTime - profile.startTime - gapUs;

/** A file as a short label: the package under node_modules, the path under the repository. */
const fileOf = (url: string): string => {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const src = url.search(/\/(src|bench|test)\//);
  return src >= 0 ? url.slice(src + 1) : url;
};

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const fns = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const name = functionName || '(anonymous)';
  add(fns, ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : `${name} ${fileOf(url)}:${lineNumber + 1}`, us);
  add(files, ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : fileOf(url), us);
}
const busyUs = totalUs - (fns.get('(idle)') ?? 0);
const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1)} %`;
const table = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}\n| self ms | of busy | what |\n|---|---|---|`);
  for (const [k, us] of [...m]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`| ${(us / 1000).toFixed(0)} | ${pct(us, busyUs)} | ${k} |`);
};
console.log(
  `profile ${file}: ${(totalUs / 1e6).toFixed(1)} s sampled (${(gapUs / 1e6).toFixed(1)} s of gaps between samples left out), busy (not idle) ${(busyUs / 1e6).toFixed(1)} s (${pct(busyUs, totalUs)})`,
);
// Inclusive CPU time of KubeNova's own functions (src/): each sample counted once per function
// on its stack, so callers include their callees (where the reconciles spend CPU, not wall time).
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
    const f = fileOf(url);
    if (!f.startsWith('src/')) continue;
    const key = `${functionName || '(anonymous)'} ${f}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    add(inclusive, key, us);
  }
}
table('Self time by file (package)', files);
table('Self time by function', fns);
table("Inclusive CPU time of KubeNova's functions (src/)", inclusive);
