import type { Template } from '../domain/template.ts';
import type { RedisClient as Redis, RedisTarget } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { subscribe } from '../redis/subscription.ts';
import type { Logger } from '../telemetry/logger.ts';
import { createTemplateCache, type TemplateCache } from './cache.ts';

/**
 * A template cache that drops entries when any process announces a template change on
 * `keys.templateChanged()` (published by the admin API), over its own subscriber connection.
 *
 * @example
 * const { cache, closer } = subscribedTemplateCache({ load: (id) => repos.templates.getActive(id), target: config, keys, log });
 */
export function subscribedTemplateCache(deps: {
  load: (id: number) => Promise<Template | undefined>;
  /** Where Redis is, for the subscriber connection. */
  target: RedisTarget;
  keys: Pick<Keys, 'templateChanged'>;
  log: Logger;
}): { cache: TemplateCache; closer: { name: string; close(): Promise<unknown> } } {
  const cache = createTemplateCache({ load: deps.load, ttlMs: 30_000 });
  const sub = subscribe({
    target: deps.target,
    channel: deps.keys.templateChanged(),
    onMessage: (msg) => cache.invalidate(Number(msg) || undefined),
    // Changes announced while the connection was down never reached this cache.
    onReady: () => cache.invalidate(),
    onError: (err) => deps.log.error({ err }, 'template change subscription failed'),
  });
  return { cache, closer: { name: 'template-subscriber', close: () => sub.close() } };
}

/**
 * Announces a template change to every process's cache.
 *
 * @example await publishTemplateChanged({ redis, keys }, 12);
 */
export const publishTemplateChanged = (
  deps: { redis: Pick<Redis, 'publish'>; keys: Pick<Keys, 'templateChanged'> },
  id: number,
) => deps.redis.publish(deps.keys.templateChanged(), String(id));
