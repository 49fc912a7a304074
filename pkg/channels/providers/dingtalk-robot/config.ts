import { z } from 'zod';
import { secret } from '../../secret.ts';

/** DingTalk's open API host (PROVIDERS.md §4.1); tests point `baseUrl` at a local fake. */
export const DINGTALK_BASE_URL = 'https://oapi.dingtalk.com';

/** The robot send path under the host. */
export const ROBOT_SEND_PATH = '/robot/send';

/**
 * A DingTalk custom robot account (DESIGN.md "Channel providers"): the `access_token` of the
 * robot's webhook URL and, when the robot's security setting is signing (加签), its `SEC…`
 * secret. The webhook is built from the token on the real host unless `baseUrl` names another.
 * Robots secured by keywords or an IP allowlist have no secret: DingTalk checks those itself.
 *
 * @example
 * dingtalkRobotConfig.parse({ accessToken: 'f0e1…', secret: 'SEC5a…' })
 * // { accessToken: 'f0e1…', secret: 'SEC5a…', baseUrl: 'https://oapi.dingtalk.com', timeoutMs: 10000 }
 */
export const dingtalkRobotConfig = z
  .object({
    accessToken: secret(
      z
        .string()
        .trim()
        .regex(
          /^[A-Za-z0-9_-]{1,256}$/,
          'the access_token value of the webhook URL (the part after access_token=, not the URL)',
        ),
    ),
    secret: secret(
      z
        .string()
        .trim()
        .max(256)
        .regex(/^SEC[A-Za-z0-9]+$/, 'the signing secret shown by the robot, starting with SEC'),
    ).optional(),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default(DINGTALK_BASE_URL),
    /** How long a send waits for DingTalk's answer; one that times out is in doubt. */
    timeoutMs: z.int().min(200).max(30_000).default(10_000),
  })
  .strict();

export type DingtalkRobotConfig = z.output<typeof dingtalkRobotConfig>;
