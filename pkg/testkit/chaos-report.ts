import { appendFileSync, mkdirSync } from 'node:fs';

/** One scenario's outcome, as the chaos suite's report lists it. */
export type ScenarioReport = Readonly<{
  scenario: string;
  /** Deliveries accepted (202) by the platform in this scenario. */
  accepted: number;
  /** Deliveries the fake providers received (sent) or that were dead-lettered once. */
  sent: number;
  deadLettered?: number;
  /** Accepted deliveries neither sent nor dead-lettered: must be 0. */
  lost: number;
  /** Deliveries the provider received more than once: 0 except in-doubt resends, counted apart. */
  duplicated: number;
  /** In-doubt resends of a provider-accepted instant, each marked in its timeline. */
  inDoubt?: number;
  /** What was compared with ground truth: e.g. "counters = events (412 keys)". */
  counters: string;
  notes?: string;
}>;

const REPORT = new URL('../../.tmp/chaos-report.jsonl', import.meta.url);

/**
 * Records a scenario's row for the suite's report (deploy/test.mjs --chaos prints the table at
 * the end); the scenario's own assertions decide pass or fail.
 *
 * @example reportScenario({ scenario: 'SIGKILL handler ×3', accepted: 3000, sent: 3000, lost: 0, duplicated: 0, counters: 'exact' });
 */
export function reportScenario(r: ScenarioReport): void {
  mkdirSync(new URL('.', REPORT), { recursive: true });
  appendFileSync(REPORT, `${JSON.stringify({ ...r, at: new Date().toISOString() })}\n`);
}
