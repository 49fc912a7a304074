/**
 * pkg/callbacks — status callbacks to the calling apps: lifecycle events an app asked for are
 * posted to its callback URL, signed per Standard Webhooks with the app's own secret, with
 * retries, backoff and dead letters, off the send path.
 *
 * @example import { startCallbacks } from './index.ts';
 */
export { outcomeOfError, outcomeOfResponse, type PostOutcome } from './outcome.ts';
export {
  type CallbackPayload,
  callbackPayload,
  decodeItem,
  encodeItem,
  type OutboxItem,
  webhookIdOf,
} from './payload.ts';
export {
  type CallbackTarget,
  callbackStatesSchema,
  callbackUrlSchema,
  DEFAULT_CALLBACK_STATES,
  logSafeUrl,
} from './settings.ts';
export {
  CALLBACKS_GROUP,
  type CallbackSettings,
  type CallbacksCounters,
  type CallbacksOptions,
  startCallbacks,
} from './start.ts';
