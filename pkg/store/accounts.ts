import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ExpressionBuilder, Selectable } from 'kysely';
import { z } from 'zod';
import { catalog } from '../channels/catalog.ts';
import type { SecretPath } from '../channels/secret.ts';
import { CHANNELS, type Channel } from '../domain/channels.ts';
import { AppError, errors } from '../domain/errors.ts';
import { JSON_LIMITS, jsonLimitIssue, refineJsonLimits } from '../domain/limits.ts';
import { type ConfigObject, maskConfig, mergeConfig, validateAccountConfig } from './account-config.ts';
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
import type { AccountsTable, Database } from './schema.ts';
import { openJson, sealJson } from './sealing.ts';

/** A channel account as public reads return it: credentials masked. */
export type Account = {
  id: number;
  name: string;
  channel: Channel;
  provider: string;
  /** Provider config with the fields its schema marks secret shown as `***`. */
  config: ConfigObject;
  /**
   * Set when the stored config cannot be decrypted (SECRET_KEY changed) or breaks the input
   * limits (stored before they existed); `config` is then `{}`.
   */
  configUnreadable?: true;
  /**
   * Token of this account's receipt route `POST /v1/callbacks/<channel>/<provider>/<id>/<token>`
   * (give it to the provider's console; rotate it when it leaks).
   */
  callbackToken: string;
  /** Token-bucket rate per second and burst; null = unlimited / default. */
  rateLimit: number | null;
  rateBurst: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
};

/** An account with its decrypted config, for channel senders only — never for API answers. */
export type AccountWithSecrets = Omit<Account, 'config' | 'configUnreadable'> & { config: ConfigObject };

const rate = z.number().int().min(1).max(1_000_000).nullable().optional();

/**
 * Body of an account creation; provider and config are checked per channel by the repository.
 *
 * @example accountCreateSchema.parse({ name: 'sb', channel: 'sandbox', provider: 'sandbox' }).config // {}
 */
export const accountCreateSchema = z.object({
  name: z.string().trim().min(1).max(128),
  channel: z.enum(CHANNELS),
  provider: z.string().trim().min(1).max(32),
  config: z.record(z.string(), z.unknown()).superRefine(refineJsonLimits(JSON_LIMITS.config)).default({}),
  rateLimit: rate,
  rateBurst: rate,
});
/**
 * Body of an account update; `config` is merged into the stored one (see `mergeConfig`).
 *
 * @example accountUpdateSchema.parse({ config: { pass: 'new' } })
 */
export const accountUpdateSchema = z.object({
  name: z.string().trim().min(1).max(128).optional(),
  channel: z.enum(CHANNELS).optional(),
  provider: z.string().trim().min(1).max(32).optional(),
  config: z.record(z.string(), z.unknown()).superRefine(refineJsonLimits(JSON_LIMITS.config)).optional(),
  rateLimit: rate,
  rateBurst: rate,
});

export type AccountCreate = z.input<typeof accountCreateSchema>;
export type AccountUpdate = z.input<typeof accountUpdateSchema>;
export type AccountListQuery = PageQuery & { channel?: Channel; name?: string; includeDeleted?: boolean };

type Row = Selectable<AccountsTable>;

const newCallbackToken = (): string => randomBytes(16).toString('hex');

/** Everything is a secret of a provider that is no longer listed: reads then reveal nothing. */
const ALL: readonly SecretPath[] = [[]];
const secretsOf = (channel: string, provider: string): readonly SecretPath[] => {
  const d = catalog.find(channel, provider);
  return d ? catalog.secretPaths(d) : ALL;
};

/**
 * Repository of channel accounts. Configs are sealed with AES-256-GCM under `secretKey`; public
 * reads mask credentials, `getWithSecrets` is the one way to the real values. Mutations of an
 * unknown or deleted id throw `ACCOUNT_NOT_FOUND`.
 *
 * @example
 * const accounts = createAccountsRepo(db, { secretKey });
 * const a = await accounts.create({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} });
 */
export function createAccountsRepo(db: Db, deps: RepoDeps & { secretKey: Uint8Array }) {
  const now = deps.now ?? Date.now;
  const key = deps.secretKey;

  const open = (r: Row): ConfigObject | undefined => {
    try {
      return openJson<ConfigObject>(r.config_sealed, key);
    } catch {
      return undefined;
    }
  };
  const base = (r: Row) => ({
    id: Number(r.id),
    name: r.name,
    channel: r.channel as Channel,
    provider: r.provider,
    callbackToken: r.callback_token ?? '',
    rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
    rateBurst: r.rate_burst === null ? null : Number(r.rate_burst),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  });
  const toPublic = (r: Row): Account => {
    const opened = open(r);
    // A config past the input limits (stored before they existed) is reported, not answered:
    // masking and encoding it would overflow the stack and fail the whole list.
    const config = opened && !jsonLimitIssue(opened, JSON_LIMITS.config) ? opened : undefined;
    return config
      ? { ...base(r), config: maskConfig(config, secretsOf(r.channel, r.provider)) }
      : { ...base(r), config: {}, configUnreadable: true };
  };

  const row = (id: number, includeDeleted = false) =>
    db
      .selectFrom('channel_accounts')
      .selectAll()
      .where('id', '=', id)
      .$if(!includeDeleted, (q) => q.where('deleted_at', 'is', null))
      .executeTakeFirst();
  const mustGet = async (id: number, includeDeleted = false): Promise<Row> => {
    const r = await row(id, includeDeleted);
    if (!r) throw errors.notFound('account', id);
    return r;
  };

  const checkConfig = (channel: Channel, provider: string, config: unknown): ConfigObject => {
    const v = validateAccountConfig(channel, provider, config);
    if (!v.ok) throw invalid(v.issues);
    return v.config;
  };

  return {
    /** Creates an account; the config is validated for the channel's provider, then sealed. */
    async create(input: AccountCreate): Promise<Account> {
      const v = parseInput(accountCreateSchema, input);
      const config = checkConfig(v.channel, v.provider, v.config);
      const t = now();
      const r = await db
        .insertInto('channel_accounts')
        .values({
          name: v.name,
          channel: v.channel,
          provider: v.provider,
          config_sealed: sealJson(config, key),
          callback_token: newCallbackToken(),
          rate_limit: v.rateLimit ?? null,
          rate_burst: v.rateBurst ?? null,
          created_at: t,
          updated_at: t,
          deleted_at: null,
        })
        .executeTakeFirstOrThrow();
      return toPublic(await mustGet(insertedId(r)));
    },

    /** A page of accounts (masked), newest first; filter by channel and name substring. */
    async list(q: AccountListQuery = {}): Promise<Paged<Account>> {
      const filter = (eb: ExpressionBuilder<Database, 'channel_accounts'>) =>
        eb.and([
          ...(q.includeDeleted ? [] : [eb('deleted_at', 'is', null)]),
          ...(q.channel ? [eb('channel', '=', q.channel)] : []),
          ...(q.name ? [contains(eb.ref('name'), q.name)] : []),
        ]);
      const { rows, total } = await listPage(db, 'channel_accounts', filter, q);
      return { items: rows.map(toPublic), total };
    },

    /** The account with its config masked, or undefined. */
    async get(id: number, opts: { includeDeleted?: boolean } = {}): Promise<Account | undefined> {
      const r = await row(id, opts.includeDeleted);
      return r && toPublic(r);
    },

    /**
     * The live account with its decrypted config, for channel senders; undefined when unknown or
     * deleted. Throws `SEALED_UNREADABLE` when `secretKey` is not the sealing key.
     */
    async getWithSecrets(id: number): Promise<AccountWithSecrets | undefined> {
      const r = await row(id);
      return r && { ...base(r), config: openJson<ConfigObject>(r.config_sealed, key) };
    },

    /**
     * Updates fields; `config` merges into the stored config (masked values keep the stored
     * secret, `null` removes a key) and the result is validated again. The channel cannot change.
     */
    async update(id: number, patch: AccountUpdate): Promise<Account> {
      const v = parseInput(accountUpdateSchema, patch);
      return optimistic('account', async () => {
        const old = await mustGet(id);
        const channel = old.channel as Channel;
        if (v.channel !== undefined && v.channel !== channel) {
          throw invalid([{ path: 'channel', message: 'the channel of an account cannot change' }]);
        }
        const provider = v.provider ?? old.provider;
        // Another provider takes another config: start from nothing rather than mixing the two.
        // An unreadable stored config (SECRET_KEY changed) can be replaced by sending it whole.
        const stored = provider === old.provider ? (open(old) ?? (v.config ? {} : undefined)) : {};
        if (!stored) openJson(old.config_sealed, key); // throws the clear SEALED_UNREADABLE error
        const merged = v.config
          ? mergeConfig(stored ?? {}, v.config, secretsOf(channel, provider))
          : { config: stored ?? {}, unknownMasked: [] };
        if (merged.unknownMasked.length) {
          throw invalid(
            merged.unknownMasked.map((path) => ({
              path,
              message: 'masked value but no secret is stored here',
            })),
          );
        }
        const config = checkConfig(channel, provider, merged.config);
        const r = await db
          .updateTable('channel_accounts')
          .set({
            ...(v.name !== undefined ? { name: v.name } : {}),
            provider,
            config_sealed: sealJson(config, key),
            ...(v.rateLimit !== undefined ? { rate_limit: v.rateLimit } : {}),
            ...(v.rateBurst !== undefined ? { rate_burst: v.rateBurst } : {}),
            updated_at: bumpTime(now(), Number(old.updated_at)),
          })
          .where('id', '=', id)
          .where('updated_at', '=', Number(old.updated_at))
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        return affected(r) === 1 ? toPublic(await mustGet(id)) : undefined;
      });
    },

    /**
     * Hides the account. Refused with 409 `ACCOUNT_IN_USE` while live templates send through it:
     * deleting it would silently break their sends.
     */
    async softDelete(id: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const users = await trx
          .selectFrom('templates')
          .select('id')
          .where('account_id', '=', id)
          .where('deleted_at', 'is', null)
          .orderBy('id')
          .execute();
        const exists = await trx
          .selectFrom('channel_accounts')
          .select('id')
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (!exists) throw errors.notFound('account', id);
        if (users.length) {
          const templateIds = users.map((u) => Number(u.id));
          throw new AppError(
            'ACCOUNT_IN_USE',
            409,
            `account ${id} is used by templates ${templateIds.join(', ')}; delete or move them first`,
            { templateIds },
          );
        }
        await trx
          .updateTable('channel_accounts')
          .set({ deleted_at: now() })
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .execute();
      });
    },

    /** A new receipt-route token for the account (the old one stops working at once). */
    async rotateCallbackToken(id: number): Promise<Account> {
      const old = await mustGet(id);
      await db
        .updateTable('channel_accounts')
        .set({ callback_token: newCallbackToken(), updated_at: bumpTime(now(), Number(old.updated_at)) })
        .where('id', '=', id)
        .execute();
      return toPublic(await mustGet(id));
    },

    /** Whether `token` is the live account's receipt-route token (constant time). */
    async checkCallbackToken(id: number, token: string): Promise<boolean> {
      const r = await row(id);
      const want = r?.callback_token ?? '';
      return (
        want.length > 0 &&
        want.length === token.length &&
        timingSafeEqual(Buffer.from(want), Buffer.from(token))
      );
    },

    /** Undoes a soft delete (a no-op on a live account). */
    async restore(id: number): Promise<Account> {
      const old = await mustGet(id, true);
      if (old.deleted_at !== null) {
        await db
          .updateTable('channel_accounts')
          .set({ deleted_at: null, updated_at: bumpTime(now(), Number(old.updated_at)) })
          .where('id', '=', id)
          .execute();
      }
      return toPublic(await mustGet(id));
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
