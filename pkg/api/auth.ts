import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../domain/errors.ts';

import type { Caller } from '../tenancy/caller.ts';

/** What the auth middleware puts on the context (pkg/tenancy/caller.ts). */
export type { Caller } from '../tenancy/caller.ts';

export type AuthEnv = { Variables: { caller: Caller } };

const bearer = (h: string | undefined): string | undefined => {
  const m = /^Bearer\s+(\S+)$/i.exec(h ?? '');
  return m?.[1];
};

const sameSecret = (a: string, b: string): boolean => {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
};

/**
 * Looks up an app by its key (injected: pkg/tenancy/app-keys.ts hashes it with the server secret
 * and asks the apps repository, which stores only the keyed hash).
 */
export type AppLookup = (
  apiKey: string,
) => Promise<{ id: number; name: string; rateLimit: number | null } | undefined>;

/**
 * Auth middleware factory. `admin` accepts only the admin token; `app` accepts an app key (and
 * the admin token when `allowAdmin`, for data reads by operators).
 *
 * @example app.use('/v1/admin/*', auth({ adminToken }));
 * @example app.use('/v1/send', auth({ adminToken, lookupApp, mode: 'app' }));
 */
export function auth(opts: {
  adminToken: string;
  lookupApp?: AppLookup;
  mode?: 'admin' | 'app' | 'app-or-admin';
}): MiddlewareHandler<AuthEnv> {
  const mode = opts.mode ?? 'admin';
  return async (c, next) => {
    const token = bearer(c.req.header('authorization'));
    if (!token) throw new AppError('UNAUTHORIZED', 401, 'missing Authorization: Bearer <token>');
    if (mode !== 'app' && sameSecret(token, opts.adminToken)) {
      c.set('caller', { kind: 'admin' });
      return next();
    }
    if (mode !== 'admin' && opts.lookupApp) {
      const app = await opts.lookupApp(token);
      if (app) {
        c.set('caller', { kind: 'app', appId: app.id, appName: app.name, rateLimit: app.rateLimit });
        return next();
      }
    }
    throw new AppError('UNAUTHORIZED', 401, mode === 'admin' ? 'invalid admin token' : 'invalid API key');
  };
}
