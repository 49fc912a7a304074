import { z } from 'zod';

/**
 * An SMS account's send timeout (`timeoutMs`, default 10 s): how long a send call waits for the
 * provider's answer. A send that times out after the request went out is in doubt: retried on
 * the same account, never failed over (the code could arrive twice through two providers).
 *
 * @example z.object({ timeoutMs: smsTimeoutMs }).parse({}).timeoutMs // 10000
 */
export const smsTimeoutMs = z.int().min(200).max(30_000).default(10_000);
