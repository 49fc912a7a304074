import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { silentLogger } from '../../telemetry/logger.ts';
import { errorHandler } from '../errors.ts';
import { cronRoutes } from './cron.ts';

const NOW = Date.parse('2026-01-01T10:05:30Z');

function app() {
  const a = new Hono();
  a.onError(errorHandler(silentLogger));
  a.route('/cron', cronRoutes({ timezone: 'UTC', now: () => NOW }));
  return a;
}

async function post(body: unknown) {
  const res = await app().request('/cron/next', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /cron/next', () => {
  test('five next minutes by default, oldest first', async () => {
    const r = await post({ cron: '* * * * *' });
    assert.equal(r.status, 200);
    const at = (m: number) => Date.parse(`2026-01-01T10:0${m}:00Z`);
    assert.deepEqual(r.body.times, [at(6), at(7), at(8), at(9), Date.parse('2026-01-01T10:10:00Z')]);
    assert.equal(r.body.timezone, 'UTC');
  });

  test('count and time zone are applied', async () => {
    const r = await post({ cron: '0 9 * * *', timezone: 'Asia/Shanghai', count: 2 });
    assert.equal(r.status, 200);
    // 09:00 in Shanghai is 01:00 UTC; 10:05 UTC is already past it on Jan 1.
    assert.deepEqual(r.body.times, [Date.parse('2026-01-02T01:00:00Z'), Date.parse('2026-01-03T01:00:00Z')]);
    assert.equal(r.body.timezone, 'Asia/Shanghai');
  });

  test('a bad cron is a 422 naming the field', async () => {
    const r = await post({ cron: 'every day' });
    assert.equal(r.status, 422);
    const err = r.body.error as { code: string; message: string };
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.match(err.message, /cron: invalid cron expression/);
  });

  test('a bad time zone, count or body is refused, never a 500', async () => {
    const tz = await post({ cron: '* * * * *', timezone: 'Mars/Olympus' });
    assert.equal(tz.status, 422);
    assert.match((tz.body.error as { message: string }).message, /timezone: unknown time zone/);
    assert.equal((await post({ cron: '* * * * *', count: 21 })).status, 422);
    assert.equal((await post({ cron: '* * * * *', count: 0 })).status, 422);
    assert.equal((await post({})).status, 422);
    assert.equal((await post('{nope')).status, 400);
  });
});
