import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import { isTimeZone } from '../../domain/timezone.ts';
import { nextRun } from '../../scheduler/cron.ts';
import { cronProblem } from '../../store/template-rules.ts';
import { jsonBody } from '../body.ts';
import { BEARER, documentedBody, errorResponses, json, TAGS } from '../openapi.ts';

/** Body of `POST /v1/admin/cron/next`. */
export const cronNextBody = z
  .object({
    cron: z.string().trim().min(1).max(128).openapi({ example: '*/5 * * * *' }),
    timezone: z.string().trim().min(1).max(64).optional().openapi({
      description: "IANA time zone the expression is read in (default: the platform's, config TIMEZONE)",
      example: 'Asia/Shanghai',
    }),
    count: z.number().int().min(1).max(20).default(5).openapi({ description: 'How many times (1..20)' }),
  })
  .strict();

const cronNextAnswer = z
  .object({
    times: z
      .array(z.number().int())
      .openapi({ description: 'The next fire times, epoch ms, oldest first (fewer if it stops firing)' }),
    timezone: z.string().openapi({ description: 'The time zone the expression was read in' }),
  })
  .openapi('CronNext');

const nextRoute = createRoute({
  method: 'post',
  path: '/next',
  tags: [TAGS.campaigns],
  summary: 'The next fire times of a cron expression',
  description:
    'What a template with this `cron` and `timezone` would fire at, as the scheduler reads it — ' +
    'the console shows it while an operator types. An expression that does not parse is a 422.',
  security: BEARER,
  request: { body: documentedBody(cronNextBody, 'The expression') },
  responses: {
    200: json(cronNextAnswer, 'The next times'),
    ...errorResponses({
      400: 'Body is not JSON',
      401: 'Missing or invalid admin token',
      422: 'Invalid cron expression, time zone or count',
    }),
  },
});

/**
 * `POST /v1/admin/cron/next` (mount at `/cron`): `{ cron, timezone?, count? }` → `{ times, timezone }`,
 * the next `count` fire times in epoch ms after now. Without `timezone` the expression is read in
 * `deps.timezone` (the platform's, as the scheduler does for a template without one; default UTC).
 *
 * @example admin.route('/cron', cronRoutes({ timezone: config.timezone }));
 */
export function cronRoutes(deps: { timezone?: string; now?: () => number } = {}): OpenAPIHono {
  const now = deps.now ?? Date.now;
  return new OpenAPIHono().openapi(nextRoute, async (c) => {
    const body = await jsonBody(c, cronNextBody);
    const tz = body.timezone ?? deps.timezone ?? 'UTC';
    if (!isTimeZone(tz))
      throw errors.validation(`invalid body: timezone: unknown time zone ${tz}`, [
        { path: 'timezone', message: 'unknown time zone' },
      ]);
    const problem = cronProblem(body.cron, tz);
    if (problem)
      throw errors.validation(`invalid body: cron: ${problem}`, [{ path: 'cron', message: problem }]);
    const times: number[] = [];
    let after = now();
    while (times.length < body.count) {
      const t = nextRun(body.cron, after, tz);
      if (t === undefined) break;
      times.push(t);
      after = t;
    }
    return c.json({ times, timezone: tz }, 200);
  });
}
