import type { RedisClient as Redis } from '../../../redis/client.ts';
import type { Keys } from '../../../redis/keys.ts';
import { loadScriptDir } from '../../../redis/lua.ts';

/** What the sandbox channel "delivered": one inbox entry (`sentAt` in ms since epoch). */
export type SandboxItem = {
  messageId: string;
  receiver: string;
  content: unknown;
  sentAt: number;
  templateId: number;
  /** The app that sent the message (null: a platform send); an app reads only its own. */
  appId: number | null;
};

const SCRIPTS = loadScriptDir(new URL('./scripts/', import.meta.url), { sandboxRead: 1 });

/**
 * Reads the sandbox inbox, newest first, for `GET /v1/sandbox/messages`. `total` counts every
 * kept item (or every kept item of `receiver`, of the app `appId`); `items` holds at most
 * `limit` of them.
 *
 * @example const { items, total } = await readSandboxInbox(redis, keys, { receiver: 'a@x.com', limit: 20 });
 */
export async function readSandboxInbox(
  redis: Redis,
  keys: Keys,
  opts: { receiver?: string | undefined; limit: number; appId?: number | undefined },
): Promise<{ items: SandboxItem[]; total: number }> {
  const key = keys.sandboxInbox();
  const limit = Math.max(0, Math.floor(opts.limit));
  const receiver = opts.receiver ?? '';
  if (receiver === '' && opts.appId === undefined) {
    // One MULTI so `total` and `items` describe the same moment of a list that keeps moving.
    const res = await redis
      .multi()
      .lrange(key, 0, Math.max(0, limit - 1))
      .llen(key)
      .exec();
    const range = limit > 0 ? ((res?.[0]?.[1] as string[] | undefined) ?? []) : [];
    const len = Number(res?.[1]?.[1] ?? 0);
    return { items: range.map(parseItem).filter((i): i is SandboxItem => i !== undefined), total: len };
  }
  const res = (await SCRIPTS.sandboxRead(redis, [key], [receiver, limit, opts.appId ?? ''])) as [
    number,
    ...string[],
  ];
  const [total, ...raw] = res;
  return { items: raw.map(parseItem).filter((i): i is SandboxItem => i !== undefined), total: Number(total) };
}

const parseItem = (s: string): SandboxItem | undefined => {
  try {
    const v = JSON.parse(s) as SandboxItem;
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
};
