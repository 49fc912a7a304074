import { z } from 'zod';

/**
 * Failure injection of a sandbox account (its `config`), so tests and benchmarks can exercise
 * retries, permanent failures, throttling and provider latency without a real provider. All
 * optional; `{}` is a sandbox that always succeeds at once.
 */
export const sandboxConfig = z
  .object({
    /** Probability (0..1) that a send fails with `failCode`. */
    failRate: z.number().min(0).max(1).default(0),
    /** Every attempt up to this number fails (deterministic retries: 2 → attempts 1 and 2 fail). */
    failAttempts: z.number().int().min(0).default(0),
    failCode: z.string().min(1).max(64).default('SANDBOX_FAILURE'),
    /** Whether injected failures are retryable (default) or permanent. */
    failRetryable: z.boolean().default(true),
    /** Injected failures say "slow down" (the rate limiter's cool-down path). */
    rateLimited: z.boolean().default(false),
    retryAfterMs: z.number().int().min(0).optional(),
    /** Receivers refused permanently with `SANDBOX_REJECTED` (a bad address at a real provider). */
    rejectReceivers: z.array(z.string()).max(10_000).default([]),
    /** Simulated provider latency per call, plus up to `latencyJitterMs` at random. */
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    latencyJitterMs: z.number().int().min(0).max(60_000).default(0),
    /** Max items kept in the inbox (oldest dropped); shared by all sandbox accounts. */
    inboxCap: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .strict();

export type SandboxConfig = z.output<typeof sandboxConfig>;

/** Sandbox content: any non-empty object (kept in the inbox as rendered). */
export const sandboxContent = z
  .record(z.string(), z.unknown())
  .refine((v) => Object.keys(v).length > 0, 'content is empty');
