import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder, Selectable } from 'kysely';
import { z } from 'zod';
import {
  type CallbackTarget,
  callbackStatesSchema,
  callbackUrlSchema,
  DEFAULT_CALLBACK_STATES,
  decodeStates,
  encodeStates,
  secretHint,
} from '../callbacks/settings.ts';
import { checkUrl } from '../channels/kit/ssrf.ts';
import { newWebhookSecret } from '../channels/kit/standard-webhooks.ts';
import { type ApiKeyHashes, apiKeyHasher } from '../domain/api-key.ts';
import { errors } from '../domain/errors.ts';
import type { State } from '../domain/states.ts';
import type { Db } from './db.ts';
import {
  affected,
  bumpTime,
  contains,
  insertedId,
  invalid,
  listPage,
  optimistic,
  type Paged,
  type PageQuery,
  parseInput,
  type RepoDeps,
} from './repo-kit.ts';
import type { AppsTable, Database } from './schema.ts';
import { openJson, sealJson } from './sealing.ts';

/** An app (a calling business system) as reads return it; the key itself is never stored. */
export type App = {
  id: number;
  name: string;
  /** First 8 characters of the key, to tell keys apart. */
  apiKeyHint: string;
  /** Sends per second allowed at ingest; null = unlimited. */
  rateLimit: number | null;
  /** Where status callbacks are posted; null = callbacks off. */
  callbackUrl: string | null;
  /** Lifecycle states posted to `callbackUrl`; null when callbacks are off. */
  callbackStates: State[] | null;
  /** First characters of the callback signing secret (the secret itself is shown once). */
  callbackSecretHint: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
};

/**
 * Body of an app creation. `callbackUrl` turns status callbacks on (`null` = off);
 * `callbackStates` defaults to {@link DEFAULT_CALLBACK_STATES} when a URL is set.
 *
 * @example appCreateSchema.parse({ name: 'shop', callbackUrl: 'https://shop.example.com/status' })
 */
export const appCreateSchema = z.object({
  name: z.string().trim().min(1).max(128),
  rateLimit: z.number().int().min(1).max(10_000_000).nullable().optional(),
  callbackUrl: callbackUrlSchema.nullable().optional(),
  callbackStates: callbackStatesSchema.optional(),
});
/** Body of an app update (every field optional). */
export const appUpdateSchema = appCreateSchema.partial();

export type AppCreate = z.input<typeof appCreateSchema>;
export type AppUpdate = z.input<typeof appUpdateSchema>;

/** What the apps repository may take besides the database. @example createAppsRepo(db, { secretKey }) */
export type AppsRepoDeps = RepoDeps & {
  /**
   * Seals callback secrets (the same 32-byte key as account configs) and keys the hash app keys
   * are stored as (a key derived from it: pkg/domain/api-key.ts).
   */
  secretKey?: Uint8Array;
  /** Accept callback URLs whose host is a literal private/loopback address (tests, on-prem). */
  allowPrivateCallbacks?: boolean;
};

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
  callbackUrl: r.callback_url,
  callbackStates: r.callback_url === null ? null : decodeStates(r.callback_states),
  callbackSecretHint: r.callback_url === null ? null : r.callback_secret_hint,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
});

type CallbackColumns = Partial<
  Pick<AppsTable, 'callback_url' | 'callback_states' | 'callback_secret_sealed' | 'callback_secret_hint'>
>;
type CallbackInput = { callbackUrl?: string | null | undefined; callbackStates?: State[] | undefined };

const CALLBACKS_OFF: CallbackColumns = {
  callback_url: null,
  callback_states: null,
  callback_secret_sealed: null,
  callback_secret_hint: null,
};

/**
 * Repository of apps. Only a keyed hash of the key (HMAC under a key derived from `secretKey`,
 * pkg/domain/api-key.ts) and an 8-character hint are stored (`pk_` and 5 of the
 * key's 32 random characters: enough to tell keys apart, far too few to guess one); the key is
 * returned once by `create` / `rotateKey`. Mutations of an unknown or deleted id throw
 * `APP_NOT_FOUND`.
 *
 * Status callbacks: the first time an app gets a callback URL a `whsec_…` signing secret is
 * generated, sealed under `secretKey` and returned once (`callbackSecret`); reads show only its
 * hint. `callbackUrl: null` turns callbacks off and forgets URL, states and secret.
 *
 * @example
 * const apps = createAppsRepo(db, { secretKey });
 * const { app, apiKey } = await apps.create({ name: 'shop' });
 * await apps.findByKey(apiKey); // { id: app.id, name: 'shop', rateLimit: null }
 */
export function createAppsRepo(db: Db, deps: AppsRepoDeps = {}) {
  const now = deps.now ?? Date.now;
  const hasher = deps.secretKey ? apiKeyHasher(deps.secretKey) : undefined;
  const keyHashes = (apiKey: string): ApiKeyHashes => {
    // A programming error of the wiring, like sealing without a key: before anything is written.
    if (!hasher) throw new Error('apps repository built without secretKey: cannot hash app keys');
    return hasher(apiKey);
  };

  /** The auth lookup (see `findByKeyHashes`). */
  const findByKeyHashes = async (
    h: ApiKeyHashes,
  ): Promise<{ id: number; name: string; rateLimit: number | null } | undefined> => {
    const r = await db
      .selectFrom('apps')
      .select(['id', 'name', 'rate_limit', 'api_key_hash'])
      .where('api_key_hash', 'in', [h.keyed, h.legacy])
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!r) return undefined;
    if (r.api_key_hash === h.legacy) {
      // A row from before keyed hashing: rewritten on its first use, so old databases migrate
      // themselves; the condition makes racing requests rewrite it once.
      await db
        .updateTable('apps')
        .set({ api_key_hash: h.keyed })
        .where('id', '=', r.id)
        .where('api_key_hash', '=', h.legacy)
        .execute();
    }
    return { id: Number(r.id), name: r.name, rateLimit: r.rate_limit === null ? null : Number(r.rate_limit) };
  };

  const seal = (secret: string): string => {
    // A programming error of the wiring, not of the caller: 500, and before anything is written.
    if (!deps.secretKey)
      throw new Error('apps repository built without secretKey: cannot seal callback secrets');
    return sealJson(secret, deps.secretKey);
  };

  /**
   * The callback columns after a create (`old` undefined) or patch, and the secret when one was
   * generated. Throws the 422 before anything is written.
   */
  const callbackChange = (
    old: Selectable<AppsTable> | undefined,
    v: CallbackInput,
  ): { columns: CallbackColumns; secret?: string } => {
    const url = v.callbackUrl !== undefined ? v.callbackUrl : (old?.callback_url ?? null);
    if (url === null) {
      if (v.callbackStates !== undefined) {
        throw invalid([{ path: 'callbackStates', message: 'needs a callbackUrl (callbacks are off)' }]);
      }
      return { columns: v.callbackUrl === null ? CALLBACKS_OFF : {} };
    }
    if (v.callbackUrl != null && !deps.allowPrivateCallbacks) {
      try {
        checkUrl(v.callbackUrl);
      } catch (err) {
        throw invalid([{ path: 'callbackUrl', message: (err as Error).message }]);
      }
    }
    const states =
      v.callbackStates ?? (old?.callback_url ? decodeStates(old.callback_states) : DEFAULT_CALLBACK_STATES);
    const columns: CallbackColumns = { callback_url: url, callback_states: encodeStates(states) };
    if (old?.callback_secret_sealed) return { columns };
    const secret = newWebhookSecret();
    return {
      columns: { ...columns, callback_secret_sealed: seal(secret), callback_secret_hint: secretHint(secret) },
      secret,
    };
  };

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
    /**
     * Creates an app and its first key; with a callback URL also its callback secret (both
     * returned this once).
     *
     * @example await apps.create({ name: 'shop' })
     */
    async create(input: AppCreate): Promise<{ app: App; apiKey: string; callbackSecret?: string }> {
      const v = parseInput(appCreateSchema, input);
      const cb = callbackChange(undefined, v);
      const apiKey = newApiKey();
      const keyHash = keyHashes(apiKey).keyed;
      const t = now();
      const r = await db
        .insertInto('apps')
        .values({
          name: v.name,
          api_key_hash: keyHash,
          api_key_hint: apiKey.slice(0, 8),
          rate_limit: v.rateLimit ?? null,
          ...cb.columns,
          created_at: t,
          updated_at: t,
          deleted_at: null,
        })
        .executeTakeFirstOrThrow();
      const app = toApp(await mustGet(insertedId(r)));
      return { app, apiKey, ...(cb.secret ? { callbackSecret: cb.secret } : {}) };
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

    /**
     * Changes name, rate limit and/or callback settings. `callbackSecret` is set when this patch
     * gave the app its first callback URL (shown this once).
     */
    async update(id: number, patch: AppUpdate): Promise<{ app: App; callbackSecret?: string }> {
      const v = parseInput(appUpdateSchema, patch);
      // Optimistic, so two patches racing to set the first URL cannot both answer a secret.
      return optimistic('app', async () => {
        const old = await mustGet(id);
        const cb = callbackChange(old, v);
        const r = await db
          .updateTable('apps')
          .set({
            ...(v.name !== undefined ? { name: v.name } : {}),
            ...(v.rateLimit !== undefined ? { rate_limit: v.rateLimit } : {}),
            ...cb.columns,
            updated_at: bumpTime(now(), Number(old.updated_at)),
          })
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .where('updated_at', '=', old.updated_at)
          .executeTakeFirst();
        if (affected(r) === 0) return undefined;
        const app = toApp(await mustGet(id));
        return cb.secret ? { app, callbackSecret: cb.secret } : { app };
      });
    },

    /**
     * Replaces the callback signing secret; the old one stops verifying at once. Returns the new
     * secret (shown once). `CALLBACKS_OFF` (409) when the app has no callback URL.
     *
     * @example const secret = await apps.rotateCallbackSecret(1); // 'whsec_…'
     */
    async rotateCallbackSecret(id: number): Promise<string> {
      return optimistic('app', async () => {
        const old = await mustGet(id);
        if (old.callback_url === null) {
          throw errors.conflict('CALLBACKS_OFF', `app ${id} has no callbackUrl; set one first`);
        }
        const secret = newWebhookSecret();
        const r = await db
          .updateTable('apps')
          .set({
            callback_secret_sealed: seal(secret),
            callback_secret_hint: secretHint(secret),
            updated_at: bumpTime(now(), Number(old.updated_at)),
          })
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .where('updated_at', '=', old.updated_at)
          .executeTakeFirst();
        return affected(r) === 0 ? undefined : secret;
      });
    },

    /**
     * What the callback poster needs of a live app with callbacks on (secret opened), else
     * undefined. Throws `SEALED_UNREADABLE` when `secretKey` is not the sealing key.
     *
     * @example startCallbacks({ …, loadApp: (id) => apps.callbackTarget(id) })
     */
    async callbackTarget(id: number): Promise<CallbackTarget | undefined> {
      const r = await db
        .selectFrom('apps')
        .select(['callback_url', 'callback_states', 'callback_secret_sealed'])
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!r?.callback_url || !r.callback_secret_sealed) return undefined;
      if (!deps.secretKey)
        throw new Error('apps repository built without secretKey: cannot open callback secrets');
      return {
        callbackUrl: r.callback_url,
        callbackStates: decodeStates(r.callback_states),
        callbackSecret: openJson<string>(r.callback_secret_sealed, deps.secretKey),
      };
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

    /** The stored (`keyed`) and legacy hashes of an app key, for {@link findByKeyHashes}. */
    keyHashes,

    /**
     * The auth lookup: a live app by its key's hashes (`keyHashes`). A row still holding the
     * legacy sha256 is found too and rewritten to the keyed hash (one UPDATE).
     *
     * @example await apps.findByKeyHashes(apps.keyHashes('pk_…'))
     */
    findByKeyHashes,

    /** {@link findByKeyHashes} of a key. @example await apps.findByKey('pk_…') // { id, name, rateLimit } | undefined */
    findByKey: (apiKey: string) => findByKeyHashes(keyHashes(apiKey)),

    /** Replaces the app's key; the old one stops working. Returns the new key (shown once). */
    async rotateKey(id: number): Promise<string> {
      const old = await mustGet(id);
      const apiKey = newApiKey();
      await db
        .updateTable('apps')
        .set({
          api_key_hash: keyHashes(apiKey).keyed,
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
