import { AppError } from '../domain/errors.ts';
import type { Db } from './db.ts';
import { bumpTime, fromJson, optimistic, type RepoDeps } from './repo-kit.ts';

/** One change of a config entry. */
export type ConfigChange = { name: string; old: unknown; new: unknown; actor: string; at: number };
/** A config entry with its bookkeeping. */
export type ConfigEntry = { name: string; value: unknown; updatedAt: number; updatedBy: string };

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const checkName = (name: string): void => {
  if (!NAME.test(name)) {
    throw new AppError('VALIDATION_FAILED', 422, 'config name: letters, digits, _ . - (at most 64)', [
      { path: 'name', message: 'letters, digits, _ . - (at most 64)' },
    ]);
  }
};

/** Duplicate-key errors of both drivers: a concurrent first `set` of the same name won the insert. */
const isDuplicate = (err: unknown): boolean => {
  const code = (err as { code?: string })?.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT');
};

/**
 * Live configuration entries (JSON values by name: `pipeline`, `whitelist`, …) with an audit
 * trail: every `set` writes the entry and its audit row in one transaction.
 *
 * @example
 * const cfg = createConfigStore(db);
 * await cfg.set('pipeline', { discardTemplateIds: [3] }, 'admin');
 * await cfg.get('pipeline'); // { discardTemplateIds: [3] }
 */
export function createConfigStore(db: Db, deps: RepoDeps = {}) {
  const now = deps.now ?? Date.now;
  return {
    /** The parsed value, or undefined when never set. */
    async get<T = unknown>(name: string): Promise<T | undefined> {
      const r = await db.selectFrom('config').select('value').where('name', '=', name).executeTakeFirst();
      return r && fromJson<T>(r.value);
    },

    /** Every entry, by name. */
    async list(): Promise<ConfigEntry[]> {
      const rs = await db.selectFrom('config').selectAll().orderBy('name').execute();
      return rs.map((r) => ({
        name: r.name,
        value: fromJson(r.value),
        updatedAt: Number(r.updated_at),
        updatedBy: r.updated_by,
      }));
    },

    /**
     * Writes `value` and an audit row (old, new, actor, time) atomically. Concurrent writers do
     * not lose each other's audit: the write only lands on the version it read, else it retries.
     */
    async set(name: string, value: unknown, actor: string): Promise<ConfigChange> {
      checkName(name);
      if (value === undefined) throw new AppError('VALIDATION_FAILED', 422, 'config value is required');
      const text = JSON.stringify(value);
      const who = actor.slice(0, 128) || 'unknown';
      return optimistic(`config ${name}`, async () => {
        try {
          return await db.transaction().execute(async (trx) => {
            const old = await trx
              .selectFrom('config')
              .selectAll()
              .where('name', '=', name)
              .executeTakeFirst();
            const at = old ? bumpTime(now(), Number(old.updated_at)) : now();
            if (old) {
              const r = await trx
                .updateTable('config')
                .set({ value: text, updated_at: at, updated_by: who })
                .where('name', '=', name)
                .where('updated_at', '=', Number(old.updated_at))
                .executeTakeFirst();
              if (Number(r.numUpdatedRows) !== 1) return undefined;
            } else {
              await trx
                .insertInto('config')
                .values({ name, value: text, updated_at: at, updated_by: who })
                .execute();
            }
            await trx
              .insertInto('config_audit')
              .values({ name, old_value: old ? old.value : null, new_value: text, actor: who, at })
              .execute();
            return { name, old: old ? fromJson(old.value) : undefined, new: fromJson(text), actor: who, at };
          });
        } catch (err) {
          if (isDuplicate(err)) return undefined;
          throw err;
        }
      });
    },

    /** The latest changes of an entry, newest first. */
    async history(name: string, limit = 50): Promise<ConfigChange[]> {
      const rs = await db
        .selectFrom('config_audit')
        .selectAll()
        .where('name', '=', name)
        .orderBy('id', 'desc')
        .limit(Math.max(1, Math.min(1000, limit)))
        .execute();
      return rs.map((r) => ({
        name: r.name,
        old: r.old_value === null ? undefined : fromJson(r.old_value),
        new: fromJson(r.new_value),
        actor: r.actor,
        at: Number(r.at),
      }));
    },
  };
}

export type ConfigStore = ReturnType<typeof createConfigStore>;
