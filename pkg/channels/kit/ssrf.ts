import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { HttpError } from './types.ts';

/**
 * The SSRF guard: refuses URLs and connections that reach the platform's own network (loopback,
 * private ranges, link-local cloud metadata, CGNAT, multicast…). Receivers of the webhook channel
 * are URLs typed by callers, so without it a caller could make the handler probe internal
 * services. The decisive check runs on the addresses DNS gave for the socket actually opened
 * (see {@link guardedLookup}), so a name that re-resolves between a check and the connect
 * (DNS rebinding) cannot slip through.
 */

/** [first address as a 32-bit number, prefix length, class] of refused IPv4 ranges. */
const V4_RANGES: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved (IETF protocol assignments)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved (benchmarking)'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];

const v4Number = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

const V4_TABLE = V4_RANGES.map(([base, bits, cls]) => ({ base: v4Number(base), bits, cls }));

function blockedV4(n: number): string | undefined {
  for (const r of V4_TABLE) {
    const size = 2 ** (32 - r.bits);
    if (n >= r.base && n < r.base + size) return r.cls;
  }
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, dotted IPv4 tail read). */
function v6Groups(ip: string): number[] {
  let s = ip.split('%')[0]!.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const n = v4Number(tail[1]!);
    s = `${s.slice(0, tail.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function blockedV6(g: number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = g6 * 65536 + g7;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0) {
    if (g7 === 0) return 'unspecified';
    if (g7 === 1) return 'loopback';
  }
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms reach the
  // IPv4 address they embed; NAT64 (64:ff9b::/96) translates to it.
  if (upperZero && (g5 === 0xffff || g5 === 0)) return blockedV4(embeddedV4);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return blockedV4(embeddedV4);
  if ((g0 & 0xfe00) === 0xfc00) return 'private (unique local)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private (site-local)';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

/**
 * The class of a refused IP address (`'loopback'`, `'private'`, `'link-local (cloud metadata)'`…),
 * or `undefined` for a public address. Accepts IPv4, IPv6 (brackets and zone ids allowed) and
 * IPv4-mapped IPv6. A string that is no IP address at all is refused as `'invalid address'`.
 *
 * @example isBlockedAddress('169.254.169.254') // 'link-local (cloud metadata)'
 * @example isBlockedAddress('::ffff:10.0.0.1') // 'private'
 * @example isBlockedAddress('93.184.216.34')   // undefined
 */
export function isBlockedAddress(ip: string): string | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare.split('%')[0]!);
  if (family === 4) return blockedV4(v4Number(bare));
  if (family === 6) return blockedV6(v6Groups(bare));
  return 'invalid address';
}

/**
 * The permanent error of a refused address; names the class and host only, never query or credentials.
 *
 * @example blockedError('10.0.0.1', 'private').message // 'refused to connect to 10.0.0.1: private address'
 */
export const blockedError = (what: string, cls: string): HttpError =>
  new HttpError('HTTP_BLOCKED_ADDRESS', `refused to connect to ${what}: ${cls} address`);

/**
 * The early check of a URL before any I/O: an http(s) URL whose host, when it is a literal IP
 * address, is not in a refused range. Names are allowed here and checked at connect time.
 * Credentials in the URL (`user:pass@`) are allowed; they never appear in the error.
 * Returns the parsed URL; throws a permanent {@link HttpError} `HTTP_BLOCKED_ADDRESS` otherwise.
 *
 * @example checkUrl('https://api.example.com/send?key=1').host // 'api.example.com'
 * @example checkUrl('http://[::1]:8080/') // throws HttpError HTTP_BLOCKED_ADDRESS 'loopback'
 */
export function checkUrl(url: string | URL): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HttpError('HTTP_BLOCKED_ADDRESS', 'refused: not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new HttpError(
      'HTTP_BLOCKED_ADDRESS',
      `refused: only http and https URLs are allowed, not ${u.protocol}`,
    );
  }
  // WHATWG URL parsing has already turned shorthand forms (http://2130706433/, 0x7f.1) into dotted IPv4.
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (isIP(host)) {
    const cls = isBlockedAddress(host);
    if (cls) throw blockedError(host, cls);
  }
  return u;
}

/**
 * The shape of `dns.lookup`, as `net.connect` calls it; tests inject their own resolver.
 *
 * @example const lookup: LookupFn = dns.lookup;
 */
export type LookupFn = typeof dnsLookup;

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` replacement for `net.connect`/`tls.connect`: resolves every address of the name
 * and refuses the connection when any of them is in a refused range, so the socket can only ever
 * open to an address that passed the check (no window for DNS rebinding). `resolve` is the
 * real lookup (tests inject one that maps a made-up name to 127.0.0.1).
 *
 * @example new Agent({ connect: { lookup: guardedLookup(dns.lookup) } })
 */
export function guardedLookup(resolve: LookupFn = dnsLookup): LookupFn {
  const guarded = (hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts: LookupOptions =
      typeof options === 'object' && options !== null
        ? (options as LookupOptions)
        : { family: Number(options) || 0 };
    resolve(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const cls = isBlockedAddress(a.address);
        if (cls) return cb(blockedError(`${hostname} (${a.address})`, cls), []);
      }
      if (opts.all) return cb(null, list);
      const first = list[0];
      if (!first)
        return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      return cb(null, first.address, first.family);
    });
  };
  return guarded as unknown as LookupFn;
}

/**
 * An undici connector that applies the guard on the socket layer: literal IP hosts are checked
 * before connecting, names go through {@link guardedLookup}, and the connected socket's remote
 * address is checked once more (belt and braces: whatever path opened it, data is never sent to a
 * refused address).
 *
 * @example new Agent({ connect: guardedConnector({ timeout: 5000 }) })
 */
export function guardedConnector(opts: { timeout: number; lookup?: LookupFn }): buildConnector.connector {
  const base = buildConnector({ timeout: opts.timeout, lookup: guardedLookup(opts.lookup) });
  return (options, callback) => {
    const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
    if (isIP(host)) {
      const cls = isBlockedAddress(host);
      if (cls) return callback(blockedError(host, cls), null);
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      const cls = socket.remoteAddress ? isBlockedAddress(socket.remoteAddress) : 'unknown';
      if (cls) {
        socket.destroy();
        return callback(blockedError(`${host} (${socket.remoteAddress ?? '?'})`, cls), null);
      }
      callback(null, socket);
    });
  };
}
