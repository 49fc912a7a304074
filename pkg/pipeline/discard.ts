import { namedStep, type Step } from './types.ts';

// Sets are built once per config value (configs are replaced, never mutated).
const cache = new WeakMap<readonly number[], ReadonlySet<number>>();

/**
 * Discard: deliveries of a switched-off template end as `discarded`. The list is read from the
 * live config on every delivery, so it works as a kill switch within seconds of a change.
 *
 * @example const step = discardStep(); step({ ...input, config: { ...cfg, discardTemplateIds: [3] } })
 * // { kind: 'drop', state: 'discarded', reason: 'template 3 is switched off' } for template 3
 */
export function discardStep(): Step {
  return namedStep('discard', ({ template, config }) => {
    const ids = config.discardTemplateIds;
    if (ids.length === 0) return { kind: 'pass' };
    let set = cache.get(ids);
    if (!set) {
      set = new Set(ids);
      cache.set(ids, set);
    }
    return set.has(template.id)
      ? { kind: 'drop', state: 'discarded', reason: `template ${template.id} is switched off` }
      : { kind: 'pass' };
  });
}
