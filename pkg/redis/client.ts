import { Redis, type RedisOptions } from 'ioredis';

/**
 * Builds a Redis client. `role` picks settings: `command` connections auto-pipeline (many
 * concurrent deliveries' commands share round trips); `blocking` connections serve one
 * XREADGROUP BLOCK at a time and never auto-pipeline, so a block never delays other commands.
 *
 * @example const redis = connectRedis('redis://127.0.0.1:6379', 'command');
 */
export function connectRedis(
  url: string,
  role: 'command' | 'blocking' | 'subscriber',
  extra: RedisOptions = {},
): Redis {
  return new Redis(url, {
    enableAutoPipelining: role === 'command',
    // Commands wait for a reconnect instead of failing fast: a Redis restart pauses work.
    maxRetriesPerRequest: role === 'command' ? 20 : null,
    connectionName: `pushline-${role}`,
    lazyConnect: false,
    ...extra,
  });
}
