import type { ExpressionBuilder, Selectable, Transaction } from 'kysely';
import { catalog } from '../channels/catalog.ts';
import type { Channel, MessageType } from '../domain/channels.ts';
import { AppError, errors } from '../domain/errors.ts';
import { JSON_LIMITS, jsonLimitIssue } from '../domain/limits.ts';
import type { SensitivePolicy, ShieldPolicy, Template } from '../domain/template.ts';
import { providerOf, validateTemplateContent } from './account-config.ts';
import type { Db } from './db.ts';
import {
  affected,
  bumpTime,
  contains,
  fromJson,
  insertedId,
  invalid,
  listPage,
  optimistic,
  type Paged,
  type PageQuery,
  parseInput,
  type RepoDeps,
} from './repo-kit.ts';
import type { Database, TemplatesTable } from './schema.ts';
import {
  type TemplateCreate,
  type TemplateFields,
  type TemplateUpdate,
  templateCreateSchema,
  templateUpdateSchema,
} from './template-rules.ts';

/** A template as admin reads return it: the domain `Template` plus bookkeeping fields. */
export type TemplateView = Template & {
  /**
   * Set by admin reads when the stored content breaks the input limits (stored before they
   * existed, or written around the API); `content` is then null. Sends with it dead-letter.
   */
  contentUnreadable?: true;
  cron: string | null;
  description: string | null;
  createdAt: number;
  deletedAt: number | null;
};

export type TemplateListQuery = PageQuery & {
  channel?: Channel;
  messageType?: MessageType;
  name?: string;
  status?: Template['status'];
  accountId?: number;
  /** Templates this app owns. */
  appId?: number;
  includeDeleted?: boolean;
};

/** The shared-with list as stored (a JSON array; null or garbage = none). */
const sharedOf = (raw: string | null): number[] => {
  const v = raw ? fromJson(raw) : [];
  return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x > 0) : [];
};

type Row = Selectable<TemplatesTable>;

const toView = (r: Row): TemplateView => ({
  id: Number(r.id),
  name: r.name,
  channel: r.channel as Channel,
  messageType: r.message_type as MessageType,
  accountId: r.account_id === null ? null : Number(r.account_id),
  content: fromJson(r.content),
  status: r.status as Template['status'],
  shield: r.shield as ShieldPolicy,
  timezone: r.timezone,
  appId: r.app_id === null ? null : Number(r.app_id),
  sharedWithApps: sharedOf(r.shared_with_apps),
  version: Number(r.version),
  sensitive: r.sensitive_policy as SensitivePolicy,
  cron: r.cron,
  description: r.description,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
});

/** An admin read: content past the input limits is reported unreadable instead of answered. */
const toReadView = (r: Row): TemplateView => {
  const v = toView(r);
  return jsonLimitIssue(v.content, JSON_LIMITS.content)
    ? { ...v, content: null, contentUnreadable: true }
    : v;
};

const toColumns = (t: TemplateFields) => ({
  name: t.name,
  channel: t.channel,
  message_type: t.messageType,
  account_id: t.accountId,
  content: JSON.stringify(t.content),
  status: t.status,
  shield: t.shield,
  timezone: t.timezone,
  cron: t.cron,
  description: t.description,
  app_id: t.appId,
  shared_with_apps: t.sharedWithApps.length ? JSON.stringify(t.sharedWithApps) : null,
  sensitive_policy: t.sensitive,
});

/** 422 unless the owner and every app it is shared with are live apps (read in `trx`). */
async function checkApps(
  trx: Transaction<Database>,
  owner: number,
  shared: readonly number[],
): Promise<void> {
  const ids = [...new Set([owner, ...shared])];
  const live = new Set(
    (
      await trx
        .selectFrom('apps')
        .select('id')
        .where('id', 'in', ids)
        .where('deleted_at', 'is', null)
        .execute()
    ).map((r) => Number(r.id)),
  );
  if (!live.has(owner)) throw invalid([{ path: 'appId', message: `app ${owner} does not exist` }]);
  const i = shared.findIndex((id) => !live.has(id));
  if (i >= 0) throw invalid([{ path: `sharedWithApps.${i}`, message: `app ${shared[i]} does not exist` }]);
}

/**
 * 422 unless `accountId` names a live account of the template's channel whose provider exists
 * and can take the content (an SMS template names its provider under `content.providers`), and
 * `content` fits that provider's content schema (read in `trx`). Without an account, the channel
 * must be one routed over several providers sharing one content schema (SMS). Returns the
 * normalised content.
 */
async function checkAccount(
  trx: Transaction<Database>,
  accountId: number | null,
  channel: Channel,
  content: unknown,
): Promise<unknown> {
  if (accountId === null) {
    const schema = catalog.routedContent(channel);
    if (!schema) {
      throw invalid([
        { path: 'accountId', message: `required for channel ${channel} (only SMS templates may be routed)` },
      ]);
    }
    const r = schema.safeParse(content);
    if (r.success) return r.data;
    throw invalid(
      r.error.issues.map((i) => ({ path: ['content', ...i.path.map(String)].join('.'), message: i.message })),
    );
  }
  const a = await trx
    .selectFrom('channel_accounts')
    .select(['channel', 'provider'])
    .where('id', '=', accountId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!a) throw invalid([{ path: 'accountId', message: `account ${accountId} does not exist` }]);
  if (a.channel !== channel) {
    throw invalid([
      { path: 'accountId', message: `account ${accountId} is a ${a.channel} account, not ${channel}` },
    ]);
  }
  const p = providerOf(channel, a.provider);
  if (!p.ok) {
    throw invalid([{ path: 'accountId', message: `account ${accountId}: ${p.issues[0]?.message}` }]);
  }
  const v = validateTemplateContent(p.definition, content);
  if (!v.ok) throw invalid(v.issues);
  if (p.definition.accepts && !p.definition.accepts(v.content)) {
    throw invalid([
      {
        path: `content.providers.${a.provider}`,
        message: `account ${accountId} sends through ${a.provider}: the content needs its entry`,
      },
    ]);
  }
  return v.content;
}

/**
 * Repository of message templates. Content is validated per channel (`content.subject` …), the
 * account must be a live one of the same channel, and every change bumps `updatedAt` (caches in
 * ingest and handlers compare it). Mutations of an unknown or deleted id throw `TEMPLATE_NOT_FOUND`.
 *
 * @example
 * const templates = createTemplatesRepo(db);
 * const t = await templates.create({ name: 'welcome', channel: 'sandbox', messageType: 'notice',
 *   accountId: 1, content: { text: 'Hello {$name}' } });
 */
export function createTemplatesRepo(db: Db, deps: RepoDeps = {}) {
  const now = deps.now ?? Date.now;

  const row = (q: Db | Transaction<Database>, id: number, includeDeleted = false) =>
    q
      .selectFrom('templates')
      .selectAll()
      .where('id', '=', id)
      .$if(!includeDeleted, (x) => x.where('deleted_at', 'is', null))
      .executeTakeFirst();
  const mustGet = async (id: number, includeDeleted = false): Promise<Row> => {
    const r = await row(db, id, includeDeleted);
    if (!r) throw errors.notFound('template', id);
    return r;
  };

  /** Applies `patch` to the live template, checking everything again on the merged result. */
  const change = (id: number, patch: TemplateUpdate): Promise<TemplateView> => {
    const p = parseInput(templateUpdateSchema, patch);
    return optimistic('template', () =>
      db.transaction().execute(async (trx) => {
        const old = await row(trx, id);
        if (!old) throw errors.notFound('template', id);
        const cur = toView(old);
        const merged = parseInput(templateCreateSchema, {
          name: p.name ?? cur.name,
          channel: p.channel ?? cur.channel,
          messageType: p.messageType ?? cur.messageType,
          accountId: p.accountId !== undefined ? p.accountId : cur.accountId,
          content: p.content !== undefined ? p.content : cur.content,
          status: p.status ?? cur.status,
          shield: p.shield ?? cur.shield,
          timezone: p.timezone !== undefined ? p.timezone : cur.timezone,
          cron: p.cron !== undefined ? p.cron : cur.cron,
          description: p.description !== undefined ? p.description : cur.description,
          appId: p.appId ?? cur.appId ?? undefined,
          sharedWithApps: p.sharedWithApps ?? cur.sharedWithApps,
          sensitive: p.sensitive ?? cur.sensitive,
        });
        await checkApps(trx, merged.appId, merged.sharedWithApps);
        const content = await checkAccount(trx, merged.accountId, merged.channel, merged.content);
        const r = await trx
          .updateTable('templates')
          .set({
            ...toColumns({ ...merged, content }),
            version: cur.version + 1,
            updated_at: bumpTime(now(), cur.updatedAt),
          })
          .where('id', '=', id)
          .where('updated_at', '=', cur.updatedAt)
          .executeTakeFirst();
        if (affected(r) !== 1) return undefined;
        return toView((await row(trx, id))!);
      }),
    );
  };

  return {
    /** Creates a template after validating content, zone, cron and the account. */
    async create(input: TemplateCreate): Promise<TemplateView> {
      const v = parseInput(templateCreateSchema, input);
      return db.transaction().execute(async (trx) => {
        await checkApps(trx, v.appId, v.sharedWithApps);
        const content = await checkAccount(trx, v.accountId, v.channel, v.content);
        const t = now();
        const r = await trx
          .insertInto('templates')
          .values({
            ...toColumns({ ...v, content }),
            version: 1,
            created_at: t,
            updated_at: t,
            deleted_at: null,
          })
          .executeTakeFirstOrThrow();
        return toView((await row(trx, insertedId(r)))!);
      });
    },

    /** A page of templates, newest first; filter by channel, name substring, status, account. */
    async list(q: TemplateListQuery = {}): Promise<Paged<TemplateView>> {
      const filter = (eb: ExpressionBuilder<Database, 'templates'>) =>
        eb.and([
          ...(q.includeDeleted ? [] : [eb('deleted_at', 'is', null)]),
          ...(q.channel ? [eb('channel', '=', q.channel)] : []),
          ...(q.messageType ? [eb('message_type', '=', q.messageType)] : []),
          ...(q.status ? [eb('status', '=', q.status)] : []),
          ...(q.accountId ? [eb('account_id', '=', q.accountId)] : []),
          ...(q.appId ? [eb('app_id', '=', q.appId)] : []),
          ...(q.name ? [contains(eb.ref('name'), q.name)] : []),
        ]);
      const { rows, total } = await listPage(db, 'templates', filter, q);
      return { items: rows.map(toReadView), total };
    },

    /** The template, or undefined when unknown (or deleted, unless `includeDeleted`). */
    async get(id: number, opts: { includeDeleted?: boolean } = {}): Promise<TemplateView | undefined> {
      const r = await row(db, id, opts.includeDeleted);
      return r && toReadView(r);
    },

    /** The send path's lookup: the live template (any status), undefined when unknown or deleted. */
    async getActive(id: number): Promise<TemplateView | undefined> {
      const r = await row(db, id);
      return r && toView(r);
    },

    /** Updates any fields; the merged template is validated as a whole. */
    update: change,

    /** Sets `active` / `paused` (what `/start` and `/pause` do). */
    setStatus: (id: number, status: Template['status']): Promise<TemplateView> => change(id, { status }),

    /** Hides the template: sends to it get `TEMPLATE_NOT_FOUND`. Restorable. */
    async softDelete(id: number): Promise<void> {
      const old = await mustGet(id);
      const r = await db
        .updateTable('templates')
        .set({ deleted_at: now(), updated_at: bumpTime(now(), Number(old.updated_at)) })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (affected(r) === 0) throw errors.notFound('template', id);
    },

    /** Undoes a soft delete; refused (409) while the template's account is deleted. */
    async restore(id: number): Promise<TemplateView> {
      return db.transaction().execute(async (trx) => {
        const old = await row(trx, id, true);
        if (!old) throw errors.notFound('template', id);
        if (old.deleted_at !== null) {
          const account = await trx
            .selectFrom('channel_accounts')
            .select('id')
            .where('id', '=', old.account_id)
            .where('deleted_at', 'is', null)
            .executeTakeFirst();
          if (!account) {
            throw new AppError(
              'ACCOUNT_DELETED',
              409,
              `template ${id} sends through account ${old.account_id}, which is deleted; restore it first`,
            );
          }
          await trx
            .updateTable('templates')
            .set({ deleted_at: null, updated_at: bumpTime(now(), Number(old.updated_at)) })
            .where('id', '=', id)
            .execute();
        }
        // Read back including deleted: a delete racing this restore may have won the row.
        const now_ = await row(trx, id, true);
        if (!now_) throw errors.notFound('template', id);
        if (now_.deleted_at !== null)
          throw new AppError('CONFLICT', 409, `template ${id} was deleted again meanwhile; restore it again`);
        return toView(now_);
      });
    },
  };
}

export type TemplatesRepo = ReturnType<typeof createTemplatesRepo>;
