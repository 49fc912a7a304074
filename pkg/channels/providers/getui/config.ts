import { z } from 'zod';
import { secret } from '../../secret.ts';

/** GeTui's REST API v2 host (PROVIDERS.md §11.1); an app's BaseUrl is `<host>/v2/<appId>`. */
export const GETUI_HOST = 'https://restapi.getui.com';

/**
 * The BaseUrl of an app on GeTui's main host (§11.1: `https://restapi.getui.com/v2/{appId}`).
 *
 * @example getuiBaseUrl('a1B2c3') // 'https://restapi.getui.com/v2/a1B2c3'
 */
export const getuiBaseUrl = (appId: string): string => `${GETUI_HOST}/v2/${encodeURIComponent(appId)}`;

/** GeTui's ids (appId, appKey) as its console shows them: letters and digits. */
const id = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{1,64}$/, 'letters and digits, as the GeTui console shows it');

/**
 * A GeTui (个推) account: the app's `appId`, `appKey` and `masterSecret` from the console
 * (PROVIDERS.md §11.2). `baseUrl` is the app's whole BaseUrl, appId path included; it defaults
 * to the main host, and names another data center's host (or a test fake) when given.
 * `timeoutMs` bounds every call (auth and pushes; default 10 s).
 *
 * @example
 * getuiConfig.parse({ appId: 'a1B2c3', appKey: 'k1', masterSecret: 's1' })
 * // { appId: 'a1B2c3', appKey: 'k1', masterSecret: 's1', timeoutMs: 10000,
 * //   baseUrl: 'https://restapi.getui.com/v2/a1B2c3' }
 */
export const getuiConfig = z
  .object({
    appId: id,
    appKey: id,
    masterSecret: secret(z.string().trim().min(1).max(256)),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    timeoutMs: z.int().min(200).max(30_000).default(10_000),
  })
  .strict()
  .transform((c) => ({ ...c, baseUrl: (c.baseUrl ?? getuiBaseUrl(c.appId)).replace(/\/+$/, '') }));

export type GetuiConfig = z.output<typeof getuiConfig>;
