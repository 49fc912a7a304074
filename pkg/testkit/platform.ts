import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageType } from '../domain/channels.ts';
import type { Repos } from '../store/repos.ts';
import { randomTag, TEST_REDIS_URL } from './testkit.ts';

/**
 * The environment of a platform under test: the test file's own key prefix and database, a
 * fresh data dir, a random admin token, a fixed secret key, an ephemeral port, silent logs.
 * `extra` adds or overrides variables (retry timings, partitions…).
 *
 * @example
 * const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { RETRY_BASE_MS: '100' });
 * const core = await openCore(withDevSecrets(loadConfig(env)), 'my-test');
 */
export function platformEnv(
  where: { prefix: string; databaseUrl: string },
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    REDIS_URL: TEST_REDIS_URL,
    DATABASE_URL: where.databaseUrl,
    KEY_PREFIX: where.prefix,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'push-test-')),
    ADMIN_TOKEN: `admin-${randomTag()}-${randomTag()}`,
    SECRET_KEY: 'c'.repeat(64),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    // Load and chaos tests push one app far past normal use; tests of the default pass their own.
    APP_DEFAULT_RATE: '0',
    ...extra,
  };
}

/**
 * A sandbox channel account and one template on it; returns both ids.
 *
 * @example const { templateId } = await sandboxTemplate(core.repos, { text: 'Code {$code}' }, { appId: app.id });
 */
export async function sandboxTemplate(
  repos: Pick<Repos, 'accounts' | 'templates'>,
  content: { text: string },
  opts: {
    /** The owning app (templates belong to one app). */
    appId: number;
    /** Other apps that may send with it. */
    sharedWithApps?: number[];
    name?: string;
    messageType?: MessageType;
    accountConfig?: Record<string, unknown>;
  },
): Promise<{ accountId: number; templateId: number }> {
  const account = await repos.accounts.create({
    name: 'sb',
    channel: 'sandbox',
    provider: 'sandbox',
    config: opts.accountConfig ?? {},
  });
  const template = await repos.templates.create({
    name: opts.name ?? 'tpl',
    channel: 'sandbox',
    messageType: opts.messageType ?? 'notice',
    accountId: account.id,
    content,
    appId: opts.appId,
    sharedWithApps: opts.sharedWithApps ?? [],
  });
  return { accountId: account.id, templateId: template.id };
}
