import type { ProviderDefinition } from '../../definition.ts';
import { createSandboxClient } from './client.ts';
import { type SandboxConfig, sandboxConfig, sandboxContent } from './schema.ts';

export { type SandboxConfig, sandboxConfig, sandboxContent };

/**
 * The sandbox provider: "delivers" into an inbox in Redis shown by the console and
 * `GET /v1/sandbox/messages`. The embedded default for a new user and the sink of benchmarks.
 * Its receipt callback takes `{ "messageId", "state": "delivered" | "read" | "failed" }`, so the
 * receipt path can be tried without a real provider.
 *
 * @example { "name": "sb", "channel": "sandbox", "provider": "sandbox", "config": { "failAttempts": 1 } }
 */
export const sandbox: ProviderDefinition<SandboxConfig, Record<string, unknown>> = {
  channel: 'sandbox',
  provider: 'sandbox',
  title: 'Sandbox (keeps messages in an inbox)',
  config: sandboxConfig,
  content: sandboxContent,
  receivers: ['any'],
  errors: { SANDBOX_REJECTED: 'permanent', SANDBOX_STORE: 'retryable' },
  capabilities: { recall: true, receipts: true, testConnection: true },
  // Injected failures stand for per-message trouble; they must not hold back the whole account.
  tripsBreaker: () => false,
  create: (config, kit) => createSandboxClient(config, kit),
};
