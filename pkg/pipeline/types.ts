import type { Delivery } from '../domain/delivery.ts';
import type { State } from '../domain/states.ts';
import type { Template } from '../domain/template.ts';
import type { LiveConfig } from './live-config-schema.ts';

/**
 * What every filter step sees: the delivery, its template, the rendered content (for content
 * dedup), the handler's clock and the live config current when the delivery was picked up.
 */
export type StepInput = Readonly<{
  delivery: Delivery;
  template: Template;
  rendered: unknown;
  now: number;
  config: LiveConfig;
}>;

/** A state the handler records on the way without ending the delivery (`sensitive_masked`). */
export type StepNote = Readonly<{ state: State; reason: string }>;

/**
 * A step's verdict. `drop` ends the delivery in `state`; `delay` parks it until `until` (ms) and
 * runs the chain again then; `rewrite` passes with new rendered content (what later steps see
 * and the provider gets), with a `note` to record when the delivery goes on to be sent.
 */
export type StepResult =
  | { kind: 'pass' }
  | { kind: 'rewrite'; rendered: unknown; note?: StepNote }
  | { kind: 'drop'; state: State; reason: string }
  | { kind: 'delay'; state: State; until: number; reason: string };

/**
 * What the whole chain decided: a pass carries the rewritten content and the notes of its
 * rewrites (absent when no step rewrote), for the handler to send and record.
 */
export type ChainVerdict =
  | { kind: 'pass'; rendered?: unknown; notes?: readonly StepNote[] }
  | { kind: 'drop'; state: State; reason: string; step?: string | undefined }
  | { kind: 'delay'; state: State; until: number; reason: string; step?: string | undefined };

/** One filter of the chain. Steps are plain functions; {@link namedStep} gives them a name for traces. */
export type Step = (input: StepInput) => Promise<StepResult> | StepResult;

/**
 * Names a step (its `name`, reported by {@link runSteps} as `step`).
 *
 * @example const s = namedStep('discard', () => ({ kind: 'pass' })); s.name // 'discard'
 */
export function namedStep(name: string, fn: Step): Step {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/**
 * Runs steps in order; the first `drop` or `delay` wins and later steps do not run (so the rate
 * limit, last, only spends tokens on deliveries that will really be sent). A `rewrite` goes on
 * with its content: later steps (content dedup) see what will be sent. Its note is returned
 * only with a pass — a delivery dropped or delayed later records its own state instead.
 *
 * @example
 * const r = await runSteps(createSteps({ redis, keys }), input);
 * if (r.kind === 'drop') emit(r.state, `${r.step}: ${r.reason}`);
 * if (r.kind === 'pass' && r.rendered !== undefined) content = r.rendered;
 */
export async function runSteps(steps: readonly Step[], input: StepInput): Promise<ChainVerdict> {
  let cur = input;
  const notes: StepNote[] = [];
  for (const step of steps) {
    const r = await step(cur);
    if (r.kind === 'pass') continue;
    if (r.kind === 'rewrite') {
      cur = { ...cur, rendered: r.rendered };
      if (r.note) notes.push(r.note);
      continue;
    }
    return { ...r, step: step.name || undefined };
  }
  if (cur === input) return { kind: 'pass' };
  return notes.length
    ? { kind: 'pass', rendered: cur.rendered, notes }
    : { kind: 'pass', rendered: cur.rendered };
}
