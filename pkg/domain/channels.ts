/**
 * Channels and message types: the two axes a delivery stream is cut by.
 * A stream per (channel, messageType) keeps verification codes from waiting behind marketing.
 */
export const CHANNELS = [
  'email',
  'sms',
  'dingtalk_robot',
  'dingtalk_work',
  'wecom_robot',
  'wecom_app',
  'feishu_robot',
  'wechat_official',
  'wechat_miniprogram',
  'alipay_miniprogram',
  'push',
  'webhook',
  'sandbox',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const MESSAGE_TYPES = ['notice', 'marketing', 'auth'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A stream route: `email.notice`, `sms.auth`, … */
export type Route = `${Channel}.${MessageType}`;

/** @example isChannel('email') // true */
export const isChannel = (v: unknown): v is Channel =>
  typeof v === 'string' && CHANNELS.includes(v as Channel);
/** @example isMessageType('auth') // true */
export const isMessageType = (v: unknown): v is MessageType =>
  typeof v === 'string' && MESSAGE_TYPES.includes(v as MessageType);

/** @example routeOf('email', 'notice') // 'email.notice' */
export const routeOf = (channel: Channel, messageType: MessageType): Route => `${channel}.${messageType}`;

/** @example parseRoute('sms.auth') // { channel: 'sms', messageType: 'auth' } */
export function parseRoute(route: string): { channel: Channel; messageType: MessageType } | undefined {
  const [channel, messageType, extra] = route.split('.');
  if (extra !== undefined || !isChannel(channel) || !isMessageType(messageType)) return undefined;
  return { channel, messageType };
}

/** Every route, in a stable order. */
export const ALL_ROUTES: readonly Route[] = Object.freeze(
  CHANNELS.flatMap((c) => MESSAGE_TYPES.map((t) => routeOf(c, t))),
);

/**
 * The routes a list of patterns names: `channel.type`, either side may be `*`
 * (`*.auth`, `email.*`, `sms.notice`). Throws on a pattern that is malformed or names no route,
 * so a typo in a deployment's setting stops the process instead of leaving a route unserved.
 *
 * @example matchRoutes(['*.auth']).length // 12 (every channel's verification codes)
 * @example matchRoutes(['email.*', 'sms.notice']) // ['email.notice', 'email.marketing', 'email.auth', 'sms.notice']
 */
export function matchRoutes(patterns: readonly string[]): Route[] {
  const chosen = new Set<Route>();
  for (const raw of patterns) {
    const pattern = raw.trim();
    const [c, t, extra] = pattern.split('.');
    if (extra !== undefined || !c || !t)
      throw new Error(`"${pattern}" is not channel.type (either may be *)`);
    if (c !== '*' && !isChannel(c)) throw new Error(`"${pattern}": unknown channel ${c}`);
    if (t !== '*' && !isMessageType(t)) throw new Error(`"${pattern}": unknown message type ${t}`);
    for (const r of ALL_ROUTES) {
      const [rc, rt] = r.split('.');
      if ((c === '*' || c === rc) && (t === '*' || t === rt)) chosen.add(r);
    }
  }
  return ALL_ROUTES.filter((r) => chosen.has(r));
}
