import { connectRedis, type RedisTarget } from './client.ts';

/**
 * A pub/sub subscription to one channel on its own subscriber connection, for caches that drop
 * entries when another process announces a change. `onReady` runs on every (re)connect: what was
 * announced while the connection was down never reached us, so a cache should forget everything
 * then. ioredis re-subscribes by itself after a reconnect.
 *
 * @example
 * const sub = subscribe({ target: config, channel: keys.appChanged(), onMessage: () => cache.invalidate(),
 *   onReady: () => cache.invalidate(), onError: (err) => log.error({ err }, 'subscription failed') });
 * await sub.close();
 */
export function subscribe(opts: {
  /** Where Redis is (a URL, or the config with its cluster nodes). */
  target: RedisTarget;
  channel: string;
  onMessage: (message: string) => void;
  onReady?: () => void;
  onError: (err: unknown) => void;
}): { close(): Promise<unknown> } {
  const sub = connectRedis(opts.target, 'subscriber');
  let subscribed = false;
  const ready = () => {
    opts.onReady?.();
    if (subscribed) return;
    subscribed = true;
    // A SUBSCRIBE sent before the connection is ready can be lost by ioredis: sent from here.
    sub.subscribe(opts.channel).catch((err) => {
      subscribed = false;
      opts.onError(err);
    });
  };
  if (sub.status === 'ready') ready();
  sub.on('ready', ready);
  sub.on('message', (ch: string, msg: string) => {
    if (ch === opts.channel) opts.onMessage(msg);
  });
  return { close: () => sub.quit() };
}
