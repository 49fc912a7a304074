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
