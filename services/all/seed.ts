import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../../pkg/files/private.ts';
import type { Core } from '../../pkg/process/core.ts';

export type DemoSeed = { appId: number; apiKey: string; accountId: number; templateId: number };

/**
 * Seeds the embedded quickstart once: a demo app, a `sandbox` account and a demo template. The
 * app key is shown once by the API; for the local demo it is also kept in `dataDir/demo-app.key`
 * (mode 0600) so every `npm start` can print a ready-to-paste curl.
 *
 * @example const demo = await seedDemo(core); console.log(demo.apiKey);
 */
export async function seedDemo(core: Core): Promise<DemoSeed> {
  const file = join(core.config.dataDir, 'demo-app.json');
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoSeed;
    const [app, tpl] = await Promise.all([
      core.repos.apps.get(saved.appId),
      core.repos.templates.getActive(saved.templateId),
    ]);
    if (app && tpl) return saved;
  } catch {
    // first start (or the demo rows were deleted): seed again
  }
  const { app, apiKey } = await core.repos.apps.create({ name: 'demo' });
  const account = await core.repos.accounts.create({
    name: 'sandbox',
    channel: 'sandbox',
    provider: 'sandbox',
    config: {},
  });
  const template = await core.repos.templates.create({
    name: 'welcome',
    channel: 'sandbox',
    messageType: 'notice',
    accountId: account.id,
    content: { text: 'Hello {$name}, welcome aboard!' },
    appId: app.id,
  });
  const seed: DemoSeed = { appId: app.id, apiKey, accountId: account.id, templateId: template.id };
  writePrivateFile(file, JSON.stringify(seed));
  return seed;
}
