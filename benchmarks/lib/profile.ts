// Summarises V8 CPU profiles (`--cpu-prof`): self time per function and per module, so a results
// note can name the stage that bounds a process.
// Usage: npx tsx benchmarks/lib/profile.ts <file.cpuprofile> [--top=25]
import { readFileSync } from 'node:fs';
import { argNumber } from './env.ts';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** Self time (ms and share) of one function or module. */
export type ProfileRow = { name: string; ms: number; pct: number };

/** Which module a script URL belongs to: an npm package, a pkg/ module, or a Node internal. */
export function moduleOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  const own = /\/(pkg\/[^/]+|services\/[^/]+|benchmarks)\//.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url;
}

/**
 * Self time per function and per module of a parsed profile, busiest first.
 *
 * @example const { functions, modules } = summariseProfile(JSON.parse(readFileSync(f, 'utf8')));
 */
export function summariseProfile(p: Profile): {
  totalMs: number;
  functions: ProfileRow[];
  modules: ProfileRow[];
} {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|pkg|services)\//, '$1/')}:${f.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const m =
      f.functionName === '(idle)'
        ? '(idle)'
        : f.functionName === '(garbage collector)'
          ? '(gc)'
          : moduleOf(f.url);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .map(([name, us]) => ({ name, ms: us / 1000, pct: total ? (us / total) * 100 : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, functions: rows(fn), modules: rows(mod) };
}

/**
 * Markdown tables of the busiest modules and functions of a profile file.
 *
 * @example console.log(profileMarkdown('/tmp/p/CPU.123.cpuprofile', 20));
 */
export function profileMarkdown(file: string, top = 25): string {
  const s = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const table = (rows: ProfileRow[]) => [
    '| self ms | % | name |',
    '|---:|---:|---|',
    ...rows
      .slice(0, top)
      .map((r) => `| ${r.ms.toFixed(0)} | ${r.pct.toFixed(1)} | ${r.name.replace(/\|/g, '\\|')} |`),
  ];
  return [
    `Profile ${file.replace(/^.*\//, '')}: ${s.totalMs.toFixed(0)} ms sampled.`,
    '',
    '**By module**',
    '',
    ...table(s.modules),
    '',
    '**By function**',
    '',
    ...table(s.functions),
  ].join('\n');
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile.ts <file.cpuprofile> [--top=25]');
  process.stdout.write(`${profileMarkdown(file, argNumber('top', 25))}\n`);
}
