import type { Redis } from 'ioredis';
import type { Template } from '../domain/template.ts';
import { connectRedis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../telemetry/logger.ts';
import { createTemplateCache, type TemplateCache } from './cache.ts';

/**
 * A template cache that drops entries when any process announces a template change on
 * `keys.templateChanged()` (published by the admin API), over its own subscriber connection.
 *
 * @example
 * const { cache, closer } = subscribedTemplateCache({ load: (id) => repos.templates.getActive(id), redisUrl, keys, log });
 */
export function subscribedTemplateCache(deps: {
  load: (id: number) => Promise<Template | undefined>;
  redisUrl: string;
  keys: Pick<Keys, 'templateChanged'>;
  log: Logger;
}): { cache: TemplateCache; closer: { name: string; close(): Promise<unknown> } } {
  const cache = createTemplateCache({ load: deps.load, ttlMs: 30_000 });
  const sub = connectRedis(deps.redisUrl, 'subscriber');
  const channel = deps.keys.templateChanged();
  // A SUBSCRIBE sent before the connection is ready can be lost by ioredis: wait for it.
  const subscribe = () =>
    sub.subscribe(channel).catch((err) => deps.log.error({ err }, 'template change subscription failed'));
  if (sub.status === 'ready') subscribe();
  else sub.once('ready', subscribe);
  sub.on('message', (ch, msg) => {
    if (ch === channel) cache.invalidate(Number(msg) || undefined);
  });
  return { cache, closer: { name: 'template-subscriber', close: () => sub.quit() } };
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
