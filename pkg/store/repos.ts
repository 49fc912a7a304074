import { type AccountsRepo, createAccountsRepo } from './accounts.ts';
import { type AppsRepo, createAppsRepo } from './apps.ts';
import { type ConfigStore, createConfigStore } from './configStore.ts';
import { type CrowdRunsRepo, createCrowdRunsRepo } from './crowd-runs.ts';
import { type CrowdsRepo, createCrowdsRepo } from './crowds.ts';
import type { Db, Dialect } from './db.ts';
import { createSmsRecordsRepo, type SmsRecordsRepo } from './sms-records.ts';
import { createTemplatesRepo, type TemplatesRepo } from './templates.ts';

/** Every repository over one database. */
export type Repos = Readonly<{
  apps: AppsRepo;
  accounts: AccountsRepo;
  templates: TemplatesRepo;
  crowds: CrowdsRepo;
  crowdRuns: CrowdRunsRepo;
  configStore: ConfigStore;
  smsRecords: SmsRecordsRepo;
}>;

/**
 * Builds all repositories. `secretKey` (32 bytes, from config) seals channel credentials and
 * callback secrets; `allowPrivateCallbacks` (config `callbacks.allowPrivateNetworks`) lets apps
 * register callback URLs at private addresses; `now` overrides the clock in tests.
 *
 * @example
 * const { db } = openDb(config.databaseUrl);
 * const repos = createRepos(db, { secretKey: config.secretKey! });
 * await repos.templates.getActive(1);
 */
export function createRepos(
  db: Db,
  opts: { secretKey: Uint8Array; dialect: Dialect; now?: () => number; allowPrivateCallbacks?: boolean },
): Repos {
  const deps = opts.now ? { now: opts.now } : {};
  return Object.freeze({
    apps: createAppsRepo(db, {
      ...deps,
      secretKey: opts.secretKey,
      ...(opts.allowPrivateCallbacks ? { allowPrivateCallbacks: true } : {}),
    }),
    accounts: createAccountsRepo(db, { ...deps, secretKey: opts.secretKey }),
    templates: createTemplatesRepo(db, deps),
    crowds: createCrowdsRepo(db, deps),
    crowdRuns: createCrowdRunsRepo(db, deps),
    configStore: createConfigStore(db, deps),
    smsRecords: createSmsRecordsRepo(db, opts.dialect),
  });
}
