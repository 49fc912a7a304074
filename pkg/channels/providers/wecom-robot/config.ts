import { z } from 'zod';
import { secret } from '../../secret.ts';

/** WeCom's API host; the webhook is built on it from the robot's key unless `baseUrl` is given. */
export const WECOM_ROBOT_BASE_URL = 'https://qyapi.weixin.qq.com';

/**
 * A WeCom group robot account (DESIGN.md "Channel providers", PROVIDERS.md §6.1): the `key` of
 * the robot's webhook (`…/cgi-bin/webhook/send?key=<key>`), its only credential. The key alone
 * is asked for, not the whole URL, so an account can never post to a host other than WeCom's
 * (or the `baseUrl` an operator set). `timeoutMs` bounds a post's wait for WeCom's answer; file
 * downloads and uploads get longer (see client.ts).
 *
 * @example
 * wecomRobotConfig.parse({ key: '693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa' })
 * // { key: '693a…', baseUrl: 'https://qyapi.weixin.qq.com', timeoutMs: 10000 }
 */
export const wecomRobotConfig = z
  .object({
    key: secret(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9_-]{8,128}$/, 'the key= value of the robot webhook URL (letters, digits, -)'),
    ),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(WECOM_ROBOT_BASE_URL),
    timeoutMs: z.int().min(200).max(30_000).default(10_000),
  })
  .strict();

export type WecomRobotConfig = z.output<typeof wecomRobotConfig>;
