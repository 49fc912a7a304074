import type { Channel } from '../domain/channels.ts';
import { normalizeReceiver } from '../domain/receivers.ts';
import { namedStep, type Step } from './types.ts';

// Per config value and channel, the normalised receivers (so 'A@X.com' matches 'a@x.com' and
// '13800138000' matches '+8613800138000').
const cache = new WeakMap<readonly string[], Map<Channel, ReadonlySet<string>>>();

function allowed(receivers: readonly string[], channel: Channel): ReadonlySet<string> {
  let byChannel = cache.get(receivers);
  if (!byChannel) {
    byChannel = new Map();
    cache.set(receivers, byChannel);
  }
  let set = byChannel.get(channel);
  if (!set) {
    set = new Set(receivers.map((r) => normalizeReceiver(channel, r)));
    byChannel.set(channel, set);
  }
  return set;
}

/**
 * Whitelist: when enabled (staging, rehearsals), only listed receivers get messages; everyone
 * else ends as `blocked_whitelist`. Disabled, it passes everything.
 *
 * @example whitelistStep()({ ...input, config: { ...cfg, whitelist: { enabled: true, receivers: ['a@x.com'] } } })
 * // pass for 'A@x.com', { kind: 'drop', state: 'blocked_whitelist', … } for 'b@x.com'
 */
export function whitelistStep(): Step {
  return namedStep('whitelist', ({ delivery, config }) => {
    if (!config.whitelist.enabled) return { kind: 'pass' };
    const set = allowed(config.whitelist.receivers, delivery.channel);
    return set.has(normalizeReceiver(delivery.channel, delivery.receiver))
      ? { kind: 'pass' }
      : { kind: 'drop', state: 'blocked_whitelist', reason: 'receiver not on the whitelist' };
  });
}
