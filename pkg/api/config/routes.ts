import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import { JSON_LIMITS, refineJsonLimits } from '../../domain/limits.ts';
import { LIVE_CONFIG_NAME, type LiveConfig, parseLiveConfig } from '../../pipeline/live-config-schema.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { jsonBody } from '../body.ts';
import { throwOnInvalid } from '../openapi.ts';
import { actorOf } from './actor.ts';
import { configRoutesSpec as spec } from './openapi.ts';
import { sensitiveWordsRoutes } from './sensitive-words.ts';

/**
 * One recorded change of a named config value (the shape `createConfigStore` in pkg/store returns).
 *
 * @example { name: 'live', old: undefined, new: { discardTemplateIds: [3] }, actor: 'admin', at: 1764000000000 }
 */
export type ConfigAuditEntry = Readonly<{
  name: string;
  /** The value before; undefined (or null) when there was none. */
  old: unknown;
  new: unknown;
  actor: string;
  at: number;
}>;

/**
 * Where named config values live (structurally `createConfigStore(db)` of pkg/store). `set`
 * stores the value and records the audit entry (actor, time, old and new value) atomically.
 *
 * @example
 * await store.set('live', config, 'ops@shop');
 * (await store.history('live', 1))[0] // { name: 'live', old, new: config, actor: 'ops@shop', at }
 */
export type ConfigStore = Readonly<{
  get(name: string): Promise<unknown>;
  set(name: string, value: unknown, actor: string): Promise<unknown>;
  /** Newest first. */
  history(name: string, limit: number): Promise<readonly ConfigAuditEntry[]>;
}>;

const badLimit = () =>
  new AppError('VALIDATION_FAILED', 422, 'invalid query: limit: must be 1..1000', [
    { path: 'limit', message: 'must be an integer from 1 to 1000' },
  ]);

/**
 * Admin routes of the live config, mounted at `/v1/admin/config` behind the admin auth:
 * - `GET /` → the config in force (defaults filled in);
 * - `PUT /` → replaces it (sections left out take their defaults); 422 naming every bad field;
 *   stored with its audit entry, then announced so handlers apply it within seconds;
 * - `PATCH /` → replaces only the top-level sections given;
 * - `GET /history?limit=50` → `{ items: [{ at (ISO), actor, old, new }], total }`, newest first.
 * Described in openapi.ts beside this file.
 *
 * @example app.route('/v1/admin/config', configRoutes({ store, publish: () => publishConfigChanged(redis, keys) }));
 */
export function configRoutes(opts: {
  store: ConfigStore;
  publish: () => Promise<void>;
  /** The platform zone for defaults (env `TIMEZONE`). */
  timezone?: string;
  log?: Logger;
}): OpenAPIHono {
  const { store } = opts;
  const app = new OpenAPIHono({ defaultHook: throwOnInvalid });

  const read = async (): Promise<LiveConfig> => {
    const raw = await store.get(LIVE_CONFIG_NAME);
    try {
      return parseLiveConfig(raw, opts.timezone);
    } catch (err) {
      // A stored value this version cannot read: show defaults so the operator can PUT a fix.
      opts.log?.warn({ err }, 'stored live config is invalid; showing defaults');
      return parseLiveConfig(undefined, opts.timezone);
    }
  };

  const save = async (value: unknown, actor: string): Promise<LiveConfig> => {
    const next = parseLiveConfig(value, opts.timezone);
    await store.set(LIVE_CONFIG_NAME, next, actor);
    try {
      await opts.publish();
    } catch (err) {
      // Stored is what counts: handlers re-read the store periodically anyway.
      opts.log?.warn({ err }, 'config change stored but not announced; handlers pick it up on refresh');
    }
    return next;
  };

  app.openapi(spec.get, async (c) => c.json(await read(), 200));

  app.openapi(spec.put, async (c) => {
    const actor = actorOf(c.req.header('x-actor'));
    return c.json(
      await save(await jsonBody(c, z.unknown().superRefine(refineJsonLimits(JSON_LIMITS.liveConfig))), actor),
      200,
    );
  });

  app.openapi(spec.patch, async (c) => {
    const actor = actorOf(c.req.header('x-actor'));
    // Sections given replace the current ones; the merge is then validated as a whole.
    const patch = await jsonBody(
      c,
      z.record(z.string(), z.unknown()).superRefine(refineJsonLimits(JSON_LIMITS.liveConfig)),
    );
    return c.json(await save({ ...(await read()), ...patch }, actor), 200);
  });

  app.openapi(
    spec.history,
    async (c) => {
      const limit = Number(c.req.valid('query').limit ?? '50');
      const items = (await store.history(LIVE_CONFIG_NAME, limit)).map((e) => ({
        at: new Date(e.at).toISOString(),
        actor: e.actor,
        old: e.old ?? null,
        new: e.new,
      }));
      return c.json({ items, total: items.length }, 200);
    },
    // This route's own 422 (its message was there before the route was described).
    (result): undefined => {
      if (!result.success) throw badLimit();
    },
  );

  // Bulk edits of the sensitive-words dictionary (a section of this same config).
  app.route(
    '/sensitive-words',
    sensitiveWordsRoutes({
      store,
      publish: opts.publish,
      ...(opts.timezone ? { timezone: opts.timezone } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    }),
  );
  return app;
}
