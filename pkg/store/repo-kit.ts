import { type Expression, type ExpressionBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import type { z } from 'zod';
import { AppError, validationError } from '../domain/errors.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/**
 * Small shared pieces of the repositories: clock injection, paging, name filters, validation and
 * the optimistic-update loop.
 */

/** What every repository factory may take besides the database. */
export type RepoDeps = {
  /** Clock (ms); tests pass a fake one. */
  now?: () => number;
};

/** A page request; `page` is 1-based. */
export type PageQuery = { page?: number; pageSize?: number };
/** A page of results and the total number of matching rows. */
export type Paged<T> = { items: T[]; total: number };

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

/**
 * Clamped limit/offset of a page request.
 *
 * @example pageWindow({ page: 3, pageSize: 10 }) // { limit: 10, offset: 20 }
 */
export function pageWindow(q: PageQuery): { limit: number; offset: number } {
  const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(q.pageSize ?? DEFAULT_PAGE_SIZE)));
  const page = Math.max(1, Math.floor(q.page ?? 1));
  return { limit: size, offset: (page - 1) * size };
}

/**
 * `column LIKE '%text%'` with the user's `%`, `_` escaped. `!` is the escape character because
 * backslash means different things in MySQL and SQLite string literals.
 *
 * @example qb.where((eb) => contains(eb.ref('name'), 'sh_p'))
 */
export function contains(column: Expression<unknown>, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[!%_]/g, '!$&')}%`;
  return sql<SqlBool>`${column} like ${pattern} escape '!'`;
}

/**
 * Parses input with a zod schema or throws the API's 422 `VALIDATION_FAILED` naming the field.
 *
 * @example const input = parseInput(appCreateSchema, raw);
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(r.error);
  return r.data;
}

/**
 * A 422 from rule checks done outside zod (database lookups).
 *
 * @example throw invalid([{ path: 'accountId', message: 'account 9 does not exist' }]);
 */
export function invalid(details: { path: string; message: string }[]): AppError {
  const first = details[0];
  return new AppError(
    'VALIDATION_FAILED',
    422,
    first ? `invalid body: ${first.path}: ${first.message}` : 'invalid body',
    details,
  );
}

/**
 * The next `updated_at`: the clock, but always past the previous value, so "changed since" checks
 * and the optimistic update below never see two versions with one stamp.
 *
 * @example bumpTime(1000, 1000) // 1001
 */
export const bumpTime = (now: number, previous: number): number => Math.max(now, previous + 1);

/**
 * Row id of an insert, as a number (both drivers report it; mysql2 may say bigint).
 *
 * @example insertedId(await db.insertInto('apps').values(v).executeTakeFirstOrThrow()) // 7
 */
export const insertedId = (r: { insertId?: bigint | number | undefined }): number => {
  if (r.insertId === undefined) throw new Error('insert returned no id');
  return Number(r.insertId);
};

/**
 * Affected-row count of an update/delete as a number.
 *
 * @example if (affected(await q.executeTakeFirst()) === 0) throw errors.notFound('app', id);
 */
export const affected = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number =>
  Number(r.numUpdatedRows ?? r.numDeletedRows ?? 0n);

/**
 * Read-modify-write without locks that works the same on MySQL and SQLite: `attempt` reads the
 * row, computes the new one and writes it `WHERE updated_at = <what it read>`, returning
 * `undefined` when another writer got there first; then it runs again on fresh data.
 *
 * @example await optimistic('account', () => tryUpdateOnce(id, patch));
 */
export async function optimistic<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  tries = 8,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const r = await attempt();
    if (r !== undefined) return r;
  }
  throw new AppError('CONFLICT', 409, `${what} is being changed concurrently; retry`, undefined, 1);
}

/**
 * Parses a JSON column, tolerating nothing: a bad row is a bug worth a loud error.
 *
 * @example fromJson<{ text: string }>(row.content).text
 */
export const fromJson = <T = unknown>(text: string): T => JSON.parse(text) as T;

/** Tables listed page by page in the admin API. */
type ListedTable = 'apps' | 'channel_accounts' | 'templates';

/**
 * One page of a table's rows matching `filter`, newest first, with the total count — the two
 * queries every admin list runs.
 *
 * @example const { rows, total } = await listPage(db, 'apps', (eb) => eb('deleted_at', 'is', null), { page: 2 });
 */
export async function listPage<T extends ListedTable>(
  db: Db,
  table: T,
  filter: (eb: ExpressionBuilder<Database, T>) => Expression<SqlBool>,
  q: PageQuery,
): Promise<{ rows: Selectable<Database[T]>[]; total: number }> {
  const { limit, offset } = pageWindow(q);
  // The three tables share `id`, `deleted_at` and `name`; kysely cannot prove that across a
  // generic table name, so the builder is narrowed to their union here.
  const base = db.selectFrom(table as ListedTable);
  const where = filter as unknown as (eb: ExpressionBuilder<Database, ListedTable>) => Expression<SqlBool>;
  const [rows, count] = await Promise.all([
    base.selectAll().where(where).orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    base
      .select((eb) => eb.fn.countAll().as('n'))
      .where(where)
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as Selectable<Database[T]>[], total: Number(count.n) };
}
