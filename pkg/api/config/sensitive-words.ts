import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../domain/errors.ts';
import { LIVE_CONFIG_NAME, type LiveConfig, parseLiveConfig } from '../../pipeline/live-config-schema.ts';
import { MAX_SENSITIVE_WORDS, normaliseWord, normaliseWords } from '../../pipeline/sensitive-dictionary.ts';
import { type Logger, silentLogger } from '../../telemetry/logger.ts';
import { BEARER, errorResponses, TAGS, throwOnInvalid } from '../openapi.ts';
import { actorOf } from './actor.ts';

/** Where the live config is kept (structurally the config router's store, `createConfigStore` of pkg/store). */
export type WordsStore = Readonly<{
  get(name: string): Promise<unknown>;
  set(name: string, value: unknown, actor: string): Promise<unknown>;
}>;

/** Largest body read: a 100,000-word CJK list with one word a line is about 3 MB. */
const MAX_BODY = 8 * 1024 * 1024;

const changeSchema = z
  .object({
    total: z.int().openapi({ description: 'Words in the dictionary now' }),
    added: z.int(),
    removed: z.int(),
  })
  .openapi('SensitiveWordsChange');

const pageSchema = z
  .object({
    total: z.int().openapi({ description: 'Words in the dictionary (that contain `q`, when given)' }),
    offset: z.int(),
    limit: z.int(),
    items: z.array(z.string()),
  })
  .openapi('SensitiveWordsPage');

// Plain JSON Schema (not zod): the body is read by the handler in either form, never pre-parsed.
const wordsBody = {
  required: true,
  content: {
    'text/plain': {
      schema: { type: 'string' as const, description: 'One word a line; blank lines are skipped' },
    },
    'application/json': {
      schema: {
        oneOf: [
          { type: 'array' as const, items: { type: 'string' as const } },
          {
            type: 'object' as const,
            properties: { words: { type: 'array' as const, items: { type: 'string' as const } } },
            required: ['words'],
          },
        ],
      },
    },
  },
};

const bodyErrors = errorResponses({
  400: 'Body is not valid JSON',
  401: 'Missing or invalid admin token',
  409: 'The stored live config is invalid: fix it with PUT /v1/admin/config first',
  413: 'Body too large',
  415: 'Not text/plain or JSON',
  422: 'A bad word (named by its index or line), or past the limits',
});

const change = (method: 'put' | 'post' | 'delete', summary: string, description: string) =>
  createRoute({
    method,
    path: '/',
    tags: [TAGS.config],
    summary,
    description,
    security: BEARER,
    request: { headers: z.object({ 'x-actor': z.string().max(128).optional() }), body: wordsBody },
    responses: {
      200: { description: 'The change', content: { 'application/json': { schema: changeSchema } } },
      ...bodyErrors,
    },
  });

const NORMALISED =
  'Words are normalised (NFKC, trimmed, Latin letters in lower case) and kept once; at most ' +
  `${MAX_SENSITIVE_WORDS} words of at most 32 characters.`;

const replaceRoute = change(
  'put',
  'Replace the sensitive-words dictionary',
  `The body is the whole new dictionary. ${NORMALISED}`,
);
const addRoute = change('post', 'Add words to the sensitive-words dictionary', NORMALISED);
const removeRoute = change(
  'delete',
  'Remove words from the sensitive-words dictionary',
  'Words are matched after the same normalisation.',
);

const listRoute = createRoute({
  method: 'get',
  path: '/',
  tags: [TAGS.config],
  summary: 'Count and page through the sensitive-words dictionary (sorted)',
  security: BEARER,
  request: {
    query: z.object({
      offset: z.coerce.number().int().min(0).max(MAX_SENSITIVE_WORDS).default(0),
      limit: z.coerce.number().int().min(0).max(1000).default(100),
      q: z
        .string()
        .max(64)
        .optional()
        .openapi({ description: 'Only words containing this text (normalised)' }),
    }),
  },
  responses: {
    200: { description: 'A page of words', content: { 'application/json': { schema: pageSchema } } },
    ...errorResponses({ 401: 'Missing or invalid admin token', 422: 'Bad query' }),
  },
});

/**
 * Reads the words of a request: text/plain one a line (blank lines skipped; issues name the
 * line), or JSON — an array of strings or `{ "words": [...] }` (issues name the index).
 */
async function wordsOf(c: Context): Promise<readonly string[]> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const json = type.startsWith('application/json');
  if (!json && !type.startsWith('text/plain')) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      415,
      'send the words as text/plain (one a line) or as a JSON array',
    );
  }
  if (Number(c.req.header('content-length') ?? '0') > MAX_BODY) throw tooLarge();
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw tooLarge();
  let raw: string[];
  let label: (i: number) => string;
  if (json) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new AppError('INVALID_JSON', 400, 'request body is not valid JSON');
    }
    const list = Array.isArray(v)
      ? v
      : v && typeof v === 'object'
        ? (v as { words?: unknown }).words
        : undefined;
    if (!Array.isArray(list) || list.some((w) => typeof w !== 'string')) {
      throw invalid([{ path: '(root)', message: 'must be an array of strings or { "words": [strings] }' }]);
    }
    raw = list as string[];
    label = (i) => (Array.isArray(v) ? String(i) : `words.${i}`);
  } else {
    const lines = text.split(/\r?\n/);
    const lineOf: number[] = [];
    raw = [];
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      raw.push(l);
      lineOf.push(i + 1);
    });
    label = (i) => `line ${lineOf[i]}`;
  }
  if (raw.length > 2 * MAX_SENSITIVE_WORDS) {
    throw invalid([{ path: '(root)', message: `more than ${2 * MAX_SENSITIVE_WORDS} words in one request` }]);
  }
  const r = normaliseWords(raw);
  if ('issues' in r)
    throw invalid(
      r.issues.map((i) => ({ path: i.index >= 0 ? label(i.index) : '(root)', message: i.message })),
    );
  return r.words;
}

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 413, `body larger than ${MAX_BODY} bytes`);
const invalid = (details: { path: string; message: string }[]) =>
  new AppError(
    'VALIDATION_FAILED',
    422,
    `invalid words: ${details[0]?.path}: ${details[0]?.message}`,
    details,
  );

/**
 * Bulk edits of the live config's sensitive-words dictionary, to mount at
 * `/v1/admin/config/sensitive-words` behind the admin auth (an OpenAPIHono: mounted on an
 * OpenAPIHono parent, its routes reach `/openapi.json`):
 * - `GET /?offset=0&limit=100&q=` → `{ total, offset, limit, items }` (sorted words);
 * - `PUT /` replaces, `POST /` adds, `DELETE /` removes words → `{ total, added, removed }`.
 * Bodies are text/plain (one word a line) or JSON (`["a","b"]` or `{ "words": [...] }`). Each
 * change is stored with its audit entry like any live config change, then announced, so running
 * handlers use the new dictionary within seconds.
 *
 * @example app.route('/v1/admin/config/sensitive-words', sensitiveWordsRoutes({ store, publish: () => publishConfigChanged(redis, keys) }));
 */
export function sensitiveWordsRoutes(opts: {
  store: WordsStore;
  publish: () => Promise<void>;
  /** The platform zone for defaults (env `TIMEZONE`). */
  timezone?: string;
  log?: Logger;
}): OpenAPIHono {
  const log = opts.log ?? silentLogger;
  const app = new OpenAPIHono({ defaultHook: throwOnInvalid });

  /** The config in force; a stored value that does not parse is not overwritten from here. */
  const current = async (): Promise<LiveConfig> => {
    try {
      return parseLiveConfig(await opts.store.get(LIVE_CONFIG_NAME), opts.timezone);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      throw new AppError(
        'CONFIG_INVALID',
        409,
        'the stored live config is invalid: fix it with PUT /v1/admin/config first',
        err.details,
      );
    }
  };

  const save = async (
    c: Context,
    edit: (words: ReadonlySet<string>, given: readonly string[]) => string[],
  ) => {
    const actor = actorOf(c.req.header('x-actor'));
    const given = await wordsOf(c);
    const cfg = await current();
    const before = new Set(cfg.sensitiveWords.words);
    const words = edit(before, given);
    const next = parseLiveConfig({ ...cfg, sensitiveWords: { words } }, opts.timezone);
    const after = new Set(next.sensitiveWords.words);
    let added = 0;
    for (const w of after) if (!before.has(w)) added++;
    const removed = before.size - (after.size - added);
    if (added || removed) {
      await opts.store.set(LIVE_CONFIG_NAME, next, actor);
      try {
        await opts.publish();
      } catch (err) {
        log.warn({ err }, 'sensitive words stored but not announced; handlers pick them up on refresh');
      }
      log.info({ actor, total: after.size, added, removed }, 'sensitive words changed');
    }
    return c.json({ total: after.size, added, removed }, 200);
  };

  app.openapi(listRoute, async (c) => {
    const { offset, limit, q } = c.req.valid('query');
    let words = (await current()).sensitiveWords.words;
    if (q !== undefined && q.trim() !== '') {
      const n = normaliseWord(q);
      const needle = 'word' in n ? n.word : q;
      words = words.filter((w) => w.includes(needle));
    }
    return c.json({ total: words.length, offset, limit, items: words.slice(offset, offset + limit) }, 200);
  });
  app.openapi(replaceRoute, (c) => save(c, (_before, given) => [...given]));
  app.openapi(addRoute, (c) => save(c, (before, given) => [...before, ...given]));
  app.openapi(removeRoute, (c) =>
    save(c, (before, given) => {
      const gone = new Set(given);
      return [...before].filter((w) => !gone.has(w));
    }),
  );
  return app;
}
