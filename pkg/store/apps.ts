import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder, Selectable } from 'kysely';
import { z } from 'zod';
import { hashApiKey } from '../api/auth.ts';
import { errors } from '../domain/errors.ts';
import type { Db } from './db.ts';
import {
  affected,
  bumpTime,
  contains,
  insertedId,
  listPage,
  type Paged,
  type PageQuery,
  parseInput,
  type RepoDeps,
} from './repo-kit.ts';
import type { AppsTable, Database } from './schema.ts';

/** An app (a calling business system) as reads return it; the key itself is never stored. */
export type App = {
  id: number;
  name: string;
  /** First 8 characters of the key, to tell keys apart. */
  apiKeyHint: string;
  /** Sends per second allowed at ingest; null = unlimited. */
  rateLimit: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
};

/** Body of an app creation. @example appCreateSchema.parse({ name: 'shop' }) */
export const appCreateSchema = z.object({
  name: z.string().trim().min(1).max(128),
  rateLimit: z.number().int().min(1).max(10_000_000).nullable().optional(),
});
/** Body of an app update (every field optional). */
export const appUpdateSchema = appCreateSchema.partial();

export type AppCreate = z.input<typeof appCreateSchema>;
export type AppUpdate = z.input<typeof appUpdateSchema>;

/**
 * A new API key: `pk_` + 32 base64url characters (192 random bits).
 *
 * @example newApiKey() // 'pk_Xq3…' (35 chars)
 */
export const newApiKey = (): string => `pk_${randomBytes(24).toString('base64url')}`;

const toApp = (r: Selectable<AppsTable>): App => ({
  id: Number(r.id),
  name: r.name,
  apiKeyHint: r.api_key_hint,
  rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
});

/**
 * Repository of apps. Only `sha256(key)` and an 8-character hint are stored; the key is returned
 * once by `create` / `rotateKey`. Mutations of an unknown or deleted id throw `APP_NOT_FOUND`.
 *
 * @example
 * const apps = createAppsRepo(db);
 * const { app, apiKey } = await apps.create({ name: 'shop' });
 * await apps.findByKeyHash(hashApiKey(apiKey)); // { id: app.id, name: 'shop', rateLimit: null }
 */
export function createAppsRepo(db: Db, deps: RepoDeps = {}) {
  const now = deps.now ?? Date.now;

  const row = (id: number, includeDeleted = false) =>
    db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', id)
      .$if(!includeDeleted, (q) => q.where('deleted_at', 'is', null))
      .executeTakeFirst();

  const mustGet = async (id: number, includeDeleted = false): Promise<Selectable<AppsTable>> => {
    const r = await row(id, includeDeleted);
    if (!r) throw errors.notFound('app', id);
    return r;
  };

  return {
    /** Creates an app and its first key. @example await apps.create({ name: 'shop' }) */
    async create(input: AppCreate): Promise<{ app: App; apiKey: string }> {
      const v = parseInput(appCreateSchema, input);
      const apiKey = newApiKey();
      const t = now();
      const r = await db
        .insertInto('apps')
        .values({
          name: v.name,
          api_key_hash: hashApiKey(apiKey),
          api_key_hint: apiKey.slice(0, 8),
          rate_limit: v.rateLimit ?? null,
          created_at: t,
          updated_at: t,
          deleted_at: null,
        })
        .executeTakeFirstOrThrow();
      return { app: toApp(await mustGet(insertedId(r))), apiKey };
    },

    /** A page of apps, newest first; `name` matches a substring. */
    async list(q: PageQuery & { name?: string; includeDeleted?: boolean } = {}): Promise<Paged<App>> {
      const filter = (eb: ExpressionBuilder<Database, 'apps'>) =>
        eb.and([
          ...(q.includeDeleted ? [] : [eb('deleted_at', 'is', null)]),
          ...(q.name ? [contains(eb.ref('name'), q.name)] : []),
        ]);
      const { rows, total } = await listPage(db, 'apps', filter, q);
      return { items: rows.map(toApp), total };
    },

    /** The app, or undefined when unknown (or deleted, unless `includeDeleted`). */
    async get(id: number, opts: { includeDeleted?: boolean } = {}): Promise<App | undefined> {
      const r = await row(id, opts.includeDeleted);
      return r && toApp(r);
    },

    /** Changes name and/or rate limit. */
    async update(id: number, patch: AppUpdate): Promise<App> {
      const v = parseInput(appUpdateSchema, patch);
      const old = await mustGet(id);
      await db
        .updateTable('apps')
        .set({
          ...(v.name !== undefined ? { name: v.name } : {}),
          ...(v.rateLimit !== undefined ? { rate_limit: v.rateLimit } : {}),
          updated_at: bumpTime(now(), Number(old.updated_at)),
        })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .execute();
      return toApp(await mustGet(id));
    },

    /** Hides the app; its key stops working at once. Restorable. */
    async softDelete(id: number): Promise<void> {
      const r = await db
        .updateTable('apps')
        .set({ deleted_at: now() })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (affected(r) === 0) throw errors.notFound('app', id);
    },

    /** Undoes a soft delete (a no-op on a live app); its old key works again. */
    async restore(id: number): Promise<App> {
      const old = await mustGet(id, true);
      if (old.deleted_at !== null) {
        await db
          .updateTable('apps')
          .set({ deleted_at: null, updated_at: bumpTime(now(), Number(old.updated_at)) })
          .where('id', '=', id)
          .execute();
      }
      return toApp(await mustGet(id));
    },

    /** The auth lookup: a live app by the sha256 hex of its key. */
    async findByKeyHash(
      hash: string,
    ): Promise<{ id: number; name: string; rateLimit: number | null } | undefined> {
      const r = await db
        .selectFrom('apps')
        .select(['id', 'name', 'rate_limit'])
        .where('api_key_hash', '=', hash)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return (
        r && {
          id: Number(r.id),
          name: r.name,
          rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
        }
      );
    },

    /** Replaces the app's key; the old one stops working. Returns the new key (shown once). */
    async rotateKey(id: number): Promise<string> {
      const old = await mustGet(id);
      const apiKey = newApiKey();
      await db
        .updateTable('apps')
        .set({
          api_key_hash: hashApiKey(apiKey),
          api_key_hint: apiKey.slice(0, 8),
          updated_at: bumpTime(now(), Number(old.updated_at)),
        })
        .where('id', '=', id)
        .execute();
      return apiKey;
    },
  };
}

export type AppsRepo = ReturnType<typeof createAppsRepo>;
