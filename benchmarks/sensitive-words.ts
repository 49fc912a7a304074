// Scenario "sensitive-words": what a 10,000-word sensitive dictionary costs the handler, against
// an empty one, in the same run. Two measures:
// (1) Handler throughput on real processes: ingest + one handler (sandbox provider), a template
//     with the `mask` policy and email-sized content (subject, text, html; Latin and Chinese,
//     no dictionary word in it: the common case, where only the scan costs). Per phase the
//     handler is stopped, the dictionary set through the live config, N deliveries queued, a
//     fresh handler started and timed until it acknowledged all of them: deliveries/s and the
//     handler's CPU ms per delivery (/proc; its start and the matcher's build are not in it).
//     Four phases a run, empty–10k–10k–empty (the reverse in odd runs); each figure of a run
//     is the mean of its two phases, each ratio taken within the run.
//     Every message of 100 receivers has variables of its own (its receivers share them, as in
//     a real send).
// (2) The filter step alone, in this process: CPU µs per delivery of `sensitiveStep` with each
//     dictionary, on content seen before (the other receivers of a message: remembered), on
//     content new each time (a crowd with per-receiver variables: a full scan), and new content
//     with one word matched (masked); divided by the handler's CPU per delivery of (1): the
//     step's share of the handler's work.
// Usage: npx tsx benchmarks/sensitive-words.ts [--runs=3] [--deliveries=10000] [--words=10000] [--profile]
import { sensitiveStep } from '../pkg/pipeline/sensitive.ts';
import { normaliseWords } from '../pkg/pipeline/sensitive-dictionary.ts';
import type { StepInput } from '../pkg/pipeline/types.ts';
import { stepInput } from '../pkg/testkit/step-input.ts';
import { argNumber, isMain, procUsage, sleep } from './lib/env.ts';
import { ackedCount } from './lib/events.ts';
import { closedLoop, sendClient } from './lib/load.ts';
import { benchPlatform, tag, until } from './lib/platform.ts';
import { writeResult } from './lib/results.ts';
import { openContext, type Scenario, timedRun } from './lib/scenario.ts';
import { cell, fmt, summarize } from './lib/stats.ts';

const CONTENT = {
  subject: 'Order {$order} shipped · 订单 {$order} 已发货',
  text:
    'Hi {$name}, your order {$order} is on its way and should arrive within three days. ' +
    '您好 {$name}，您的订单 {$order} 已从仓库发出，预计三天内送达，请注意查收。Track it in the app.',
  html:
    '<p>Hi {$name},</p><p>your order <b>{$order}</b> is on its way and should arrive within three days.</p>' +
    '<p>您好 {$name}，您的订单 {$order} 已从仓库发出，预计三天内送达，请注意查收。</p>',
};
const VARIABLES = { name: 'Ann Lee', order: 'A-1042-77' };

/** A synthetic dictionary: half Chinese words of 2–4 characters, half Latin words of 4–9 letters. */
export function syntheticWords(n: number, seed = 1): string[] {
  // mulberry32: 32-bit integer arithmetic (a float LCG loses bits and cycles early).
  let x = seed >>> 0;
  const next = () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const han = (len: number) =>
    Array.from({ length: len }, () => String.fromCharCode(0x4e00 + Math.floor(next() * 6000))).join('');
  const latin = (len: number) =>
    Array.from({ length: len }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
  const out = new Set<string>();
  while (out.size < n)
    out.add(out.size % 2 ? han(2 + Math.floor(next() * 3)) : latin(4 + Math.floor(next() * 6)));
  return [...out];
}

/** The rendered content as the handler renders it (same placeholders, same variables). */
const rendered = (over: Partial<typeof VARIABLES> = {}) => {
  const v = { ...VARIABLES, ...over };
  const sub = (s: string) => s.replaceAll('{$name}', v.name).replaceAll('{$order}', v.order);
  return { subject: sub(CONTENT.subject), text: sub(CONTENT.text), html: sub(CONTENT.html) };
};

export type Phase = { words: number; deliveries: number; perSec: number; handlerCpuMsPerDelivery: number };
export type StepCost = { words: number; repeated: number; distinct: number; matched: number };
export type WordsRun = { phases: Phase[]; step: StepCost[] };

/**
 * CPU µs (user + system: a busy machine does not count) per call of the sensitive step, cycling
 * through `inputs` for ~300 ms of CPU after a warm-up.
 */
function stepMicros(inputs: readonly StepInput[]): number {
  const step = sensitiveStep();
  for (let i = 0; i < 2000; i++) step(inputs[i % inputs.length]!);
  let n = 0;
  const c0 = process.cpuUsage();
  const used = () => {
    const c = process.cpuUsage(c0);
    return c.user + c.system;
  };
  while (used() < 300_000) {
    for (let i = 0; i < 500; i++) step(inputs[(n + i) % inputs.length]!);
    n += 500;
  }
  return used() / n;
}

export const sensitiveWordsBench: Scenario<WordsRun> = {
  name: 'sensitive-words',
  async runOnce(ctx, run) {
    const deliveries = argNumber('deliveries', 10_000);
    const dict = normaliseWords(syntheticWords(argNumber('words', 10_000)));
    if (!('words' in dict)) throw new Error('synthetic dictionary rejected');
    const words = dict.words;

    // (2) The step alone, with each dictionary (the matcher built before the timing).
    const step: StepCost[] = [];
    for (const w of [[], words]) {
      const base = { template: { sensitive: 'mask' as const }, config: { sensitiveWords: { words: w } } };
      // More distinct contents than the matcher remembers, so none is found again.
      const distinct = (extra = '') =>
        Array.from({ length: 5000 }, (_, i) =>
          stepInput({ ...base, rendered: rendered({ name: `Ann${extra}`, order: `A-${100_000 + i}` }) }),
        );
      step.push({
        words: w.length,
        repeated: stepMicros([stepInput({ ...base, rendered: rendered() })]),
        distinct: stepMicros(distinct()),
        matched: stepMicros(distinct(` ${words[0] ?? ''}`)),
      });
    }

    // (1) Handler throughput on real processes.
    const p = await benchPlatform(ctx, {
      ingest: true,
      handlers: 0,
      env: { HANDLER_CONCURRENCY: '256' },
      ...(ctx.profileDir ? { profileDir: `${ctx.profileDir}sensitive-words/run${run}` } : {}),
    });
    try {
      const app = await p.admin.createApp({ name: `bench-${tag()}` });
      const account = await p.admin.createAccount({
        name: `sb-${tag()}`,
        channel: 'sandbox',
        provider: 'sandbox',
        config: {},
      });
      const template = await p.admin.request<{ id: number }>('POST', '/v1/admin/templates', {
        body: {
          name: `sensitive-${tag()}`,
          appId: app.id,
          channel: 'sandbox',
          messageType: 'notice',
          accountId: account.id,
          content: CONTENT,
          sensitive: 'mask',
        },
      });
      const base = await p.admin.getConfig();
      const stream = p.keys.stream('sandbox.notice');
      const client = sendClient(p.baseUrl, app.apiKey, 8);
      let seq = 0;
      const body = () => {
        const receivers = Array.from({ length: 100 }, () => `r${seq++}@bench.example`);
        const variables = { ...VARIABLES, order: `A-${seq}` };
        return JSON.stringify({ templateId: template.id, messages: [{ receivers, variables }] });
      };
      const phases: Phase[] = [];
      // ABBA (BAAB in odd runs): a load that drifts during the run weighs on both alike.
      const order = run % 2 === 0 ? [[], words, words, []] : [words, [], [], words];
      for (const w of order) {
        await p.admin.putConfig({
          ...base,
          quietHours: { start: '00:00', end: '00:00' },
          sensitiveWords: { words: [...w] },
        });
        const start = await ackedCount(ctx.redis, stream, 'handlers');
        const filled = await closedLoop({
          client,
          body,
          workers: 4,
          running: () => true,
          maxRequests: Math.ceil(deliveries / 100),
        });
        if (filled.errors > 0) throw new Error(`${filled.errors} sends failed while queueing`);
        const h = await p.addHandler();
        const cpu0 = procUsage(h.child.pid!)!.cpuSeconds;
        const t0 = performance.now();
        await until(`${deliveries} deliveries acknowledged`, 300_000, async () => {
          return (await ackedCount(ctx.redis, stream, 'handlers')) - start >= deliveries;
        });
        const ms = performance.now() - t0;
        const cpu = procUsage(h.child.pid!)!.cpuSeconds - cpu0;
        await p.stopHandlers([h]);
        phases.push({
          words: w.length,
          deliveries,
          perSec: (deliveries * 1000) / ms,
          handlerCpuMsPerDelivery: (cpu * 1000) / deliveries,
        });
        ctx.log(
          `sensitive-words: ${w.length} words: ${Math.round((deliveries * 1000) / ms)}/s, ` +
            `${fmt((cpu * 1000) / deliveries, 3)} ms CPU per delivery`,
        );
        await sleep(200);
      }
      client.close();
      return { phases, step };
    } finally {
      await p.close();
    }
  },
  report(runs) {
    /** The mean of a run's phases with (words > 0) or without the dictionary. */
    const at = (r: WordsRun, words: number): Omit<Phase, 'words'> => {
      const of = r.phases.filter((x) => (words ? x.words > 0 : x.words === 0));
      const mean = (k: keyof Phase) => of.reduce((a, x) => a + x[k], 0) / of.length;
      return {
        deliveries: mean('deliveries'),
        perSec: mean('perSec'),
        handlerCpuMsPerDelivery: mean('handlerCpuMsPerDelivery'),
      };
    };
    const stepAt = (r: WordsRun, words: number) => r.step.find((x) => (words ? x.words > 0 : x.words === 0))!;
    const n = runs[0]?.step.find((x) => x.words > 0)?.words ?? 0;
    const rate0 = summarize(runs.map((r) => at(r, 0).perSec));
    const rateN = summarize(runs.map((r) => at(r, n).perSec));
    const cpu0 = summarize(runs.map((r) => at(r, 0).handlerCpuMsPerDelivery));
    const cpuN = summarize(runs.map((r) => at(r, n).handlerCpuMsPerDelivery));
    // Ratios within each run (phases minutes apart on the same machine), then the median.
    const throughputRatio = summarize(runs.map((r) => at(r, n).perSec / at(r, 0).perSec));
    const cpuRatio = summarize(
      runs.map((r) => at(r, n).handlerCpuMsPerDelivery / at(r, 0).handlerCpuMsPerDelivery),
    );
    const stepOf = (words: number, k: keyof Omit<StepCost, 'words'>) =>
      summarize(runs.map((r) => stepAt(r, words)[k]));
    // The step's extra cost with the dictionary, as a share of the handler's CPU per delivery.
    const shareOf = (k: keyof Omit<StepCost, 'words'>) =>
      summarize(
        runs.map((r) => (stepAt(r, n)[k] - stepAt(r, 0)[k]) / 1000 / at(r, 0).handlerCpuMsPerDelivery),
      );
    const share = shareOf('distinct');
    const shareRepeated = shareOf('repeated');
    const pct = (s: ReturnType<typeof summarize>) =>
      `${fmt(s.median * 100, 2)}% (${fmt(s.min * 100, 2)}–${fmt(s.max * 100, 2)})`;
    const markdown = [
      `### Sensitive words: handler cost of a ${n}-word dictionary vs an empty one (${runs.length} runs, same run each)`,
      '',
      `Template with the \`mask\` policy, email-sized content (${rendered().subject.length + rendered().text.length + rendered().html.length} characters, Latin and Chinese, no dictionary word), sandbox provider, one handler process, ${runs[0]?.phases[0]?.deliveries ?? 0} queued deliveries per phase, 100 receivers per message (each message its own variables), four phases a run (ABBA).`,
      '',
      '| measure | empty dictionary | 10,000 words | ratio |',
      '| --- | --- | --- | --- |',
      `| handler deliveries/s | ${cell(rate0, 0)} | ${cell(rateN, 0)} | ${fmt(throughputRatio.median, 3)} (${fmt(throughputRatio.min, 3)}–${fmt(throughputRatio.max, 3)}) |`,
      `| handler CPU ms per delivery | ${cell(cpu0, 3)} | ${cell(cpuN, 3)} | ${fmt(cpuRatio.median, 3)} (${fmt(cpuRatio.min, 3)}–${fmt(cpuRatio.max, 3)}) |`,
      `| sensitive step CPU µs per delivery, content seen before (other receivers of a message) | ${cell(stepOf(0, 'repeated'), 2)} | ${cell(stepOf(n, 'repeated'), 2)} | |`,
      `| sensitive step CPU µs per delivery, new content each time (no word) | ${cell(stepOf(0, 'distinct'), 2)} | ${cell(stepOf(n, 'distinct'), 2)} | |`,
      `| sensitive step CPU µs per delivery, new content each time, one word masked | ${cell(stepOf(0, 'matched'), 2)} | ${cell(stepOf(n, 'matched'), 2)} | |`,
      '',
      `The step's extra CPU with ${n} words, as a share of the handler's CPU per delivery (empty dictionary): ` +
        `**${pct(share)}** when every delivery's content is new (a full scan each), ${pct(shareRepeated)} for ` +
        `content seen before (target < 5%).`,
      '',
    ].join('\n');
    return {
      json: { runs, throughputRatio, cpuRatio, stepShare: share, stepShareRepeated: shareRepeated },
      markdown,
      summary: {},
    };
  },
};

if (isMain(import.meta.url)) {
  const ctx = await openContext();
  try {
    const runs: WordsRun[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`sensitive-words: run ${i + 1}/${ctx.runs}`);
      runs.push(await timedRun(ctx, sensitiveWordsBench, i));
    }
    const report = sensitiveWordsBench.report(runs);
    writeResult(sensitiveWordsBench.name, report.json, report.markdown);
    process.stdout.write(`${report.markdown}\n`);
  } finally {
    await ctx.close();
  }
}
