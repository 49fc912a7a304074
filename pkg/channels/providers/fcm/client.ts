import type { ProviderClient, SendOutcome, TestResult } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import { sendMessage } from './api.ts';
import { failureOfThrow, fetchFcmToken } from './auth.ts';
import type { FcmConfig } from './config.ts';
import { type FcmContent, toFcmMessage } from './content.ts';
import { BAD_BADGE, fcmFailure } from './errors.ts';

/**
 * The client of one FCM project's service account: one `messages:send` per device token (the v1
 * API has no batch send), with the access token shared by every handler process through the
 * kit under `fcm:<clientEmail>` and refreshed once when FCM calls it stale (HTTP 401).
 *
 * @example
 * const client = createFcmClient(fcmConfig.parse({ projectId: 'my-app', clientEmail, privateKey }), kit);
 * await client.send({ delivery, template, content: { title: 'Hi', body: 'Your order shipped' } });
 * // { ok: true, providerMessageId: 'projects/my-app/messages/0:1500415314455276%31bd1c96' }
 */
export function createFcmClient(config: FcmConfig, kit: Kit): ProviderClient<FcmContent> {
  const target = {
    url: `${config.baseUrl.replace(/\/+$/, '')}/v1/projects/${config.projectId}/messages:send`,
    timeoutMs: config.timeoutMs,
  };
  const tokenName = `fcm:${config.clientEmail}`;
  const fetchToken = () => fetchFcmToken(config, kit);

  return Object.freeze({
    async send(req): Promise<SendOutcome> {
      const message = toFcmMessage(req.content, req.delivery.receiver);
      if (!message) return fcmFailure(BAD_BADGE, 'the badge did not render to a count');
      try {
        return await kit.tokens.withToken(tokenName, fetchToken, (token) =>
          sendMessage(kit, target, token, message, [config.privateKey, token]),
        );
      } catch (err) {
        return failureOfThrow(err, [config.privateKey]);
      }
    },
    // A fresh token exchange, not the cached token: the point is to prove the key works now.
    async testConnection(): Promise<TestResult> {
      try {
        await fetchToken();
        return { ok: true };
      } catch (err) {
        const f = failureOfThrow(err, [config.privateKey]);
        return { ok: false, code: f.code, message: f.message };
      }
    },
  });
}
