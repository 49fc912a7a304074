import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../domain/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { loadLuaFile } from '../redis/lua.ts';
import type { Logger } from '../telemetry/logger.ts';

const failScript = loadLuaFile(new URL('./scripts/auth-fail.lua', import.meta.url), 2);

/** The throttle's settings (`AUTH_FAIL_LIMIT`, `AUTH_FAIL_WINDOW_S`, `AUTH_BLOCK_S`, `AUTH_EXEMPT`). */
export type AuthThrottleSettings = Readonly<{
  /** Failures in one window that block the address; 0 turns the throttle off. */
  limit: number;
  windowS: number;
  blockS: number;
  /** Addresses and CIDRs never counted nor blocked (loopback by default). */
  exempt: readonly string[];
}>;

/** An IPv4 peer seen through a dual-stack socket (`::ffff:203.0.113.9`) as its IPv4 address. */
const plain = (address: string): string => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

/**
 * Whether an address is on a list of addresses and CIDRs (`127.0.0.1`, `10.0.0.0/8`, `::1`).
 * Throws on an entry that is neither, so a typo in `AUTH_EXEMPT` fails at start.
 *
 * @example addressMatcher(['127.0.0.1', '10.0.0.0/8'])('10.1.2.3') // true
 */
export function addressMatcher(list: readonly string[]): (address: string) => boolean {
  const block = new BlockList();
  for (const entry of list) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    if (family === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new Error(`${entry} is not an IP address or CIDR`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) block.addAddress(addr, type);
    else block.addSubnet(addr, Number(bits), type);
  }
  return (address) => {
    const a = plain(address);
    const family = isIP(a);
    return family !== 0 && block.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** The socket's peer address (undefined in `app.request()`, where there is no socket). */
const socketAddress = (c: Context): string | undefined => {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
};

/**
 * Throttles failed authentication per source address, counted in Redis so every ingest
 * instance shares the count: an address whose requests were answered 401 `limit` times in a
 * window of `windowS` is answered 429 (with Retry-After) for `blockS` on every route behind it,
 * whatever it presents. Mount it before the auth middleware: it sees the 401 the auth threw
 * once `next()` returns. A success does not reset the count (one valid key must not buy an
 * attacker more guesses). The warning names the address and the count, never the token.
 * Redis unreachable: requests pass unthrottled (the auth itself still answers), with a warning.
 *
 * @example app.use('/v1/admin/*', authThrottle({ redis, keys, log, settings: config.authThrottle }), adminAuth);
 */
export function authThrottle(deps: {
  redis: RedisClient;
  keys: Keys;
  log: Logger;
  settings: AuthThrottleSettings;
  /** The source address of a request (default: the socket's peer). */
  addressOf?: (c: Context) => string | undefined;
}): MiddlewareHandler {
  const { limit, windowS, blockS } = deps.settings;
  const exempt = addressMatcher(deps.settings.exempt);
  const addressOf = deps.addressOf ?? socketAddress;
  return async (c, next) => {
    const raw = limit > 0 ? addressOf(c) : undefined;
    if (raw === undefined || exempt(raw)) return next();
    const address = plain(raw);
    const blockedMs = await deps.redis.pttl(deps.keys.authBlock(address)).catch((err: unknown) => {
      deps.log.warn({ err, address }, 'auth throttle unavailable; request not throttled');
      return -2;
    });
    if (blockedMs > 0) {
      throw new AppError(
        'TOO_MANY_AUTH_FAILURES',
        429,
        'too many failed authentications from this address; retry later',
        undefined,
        blockedMs / 1000,
      );
    }
    await next();
    if (c.res.status !== 401) return;
    try {
      const failures = Number(
        await failScript(
          deps.redis,
          [deps.keys.authFailures(address), deps.keys.authBlock(address)],
          [limit, windowS * 1000, blockS * 1000],
        ),
      );
      const blocked = failures >= limit;
      deps.log.warn(
        { address, failures, limit, windowS, ...(blocked ? { blockedForS: blockS } : {}) },
        blocked ? 'authentication failures: address blocked' : 'authentication failed',
      );
    } catch (err) {
      deps.log.warn({ err, address }, 'auth throttle unavailable; failure not counted');
    }
  };
}
