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

/**
 * A step's verdict. `drop` ends the delivery in `state`; `delay` parks it until `until` (ms) and
 * runs the chain again then.
 */
export type StepResult =
  | { kind: 'pass' }
  | { kind: 'drop'; state: State; reason: string }
  | { kind: 'delay'; state: State; until: number; reason: string };

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
 * Runs steps in order; the first verdict other than `pass` wins and later steps do not run
 * (so the rate limit, last, only spends tokens on deliveries that will really be sent).
 *
 * @example
 * const r = await runSteps(createSteps({ redis, keys }), input);
 * if (r.kind === 'drop') emit(r.state, `${r.step}: ${r.reason}`);
 */
export async function runSteps(
  steps: readonly Step[],
  input: StepInput,
): Promise<StepResult & { step?: string }> {
  for (const step of steps) {
    const r = await step(input);
    if (r.kind !== 'pass') return { ...r, step: step.name || undefined };
  }
  return { kind: 'pass' };
}
