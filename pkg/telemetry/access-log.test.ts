import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { createApp } from '../api/app.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';

const ADMIN = 'admin-token-for-the-access-log-test';
const APP_KEY = 'pk_accesslogtestkey';

/** A logger whose JSON lines land in `lines` (a pino destination stream). */
function capture(opts: { redact?: boolean; level?: string } = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const log = createLogger({ level: opts.level ?? 'info', name: 'ingest', destination, ...opts });
  return { log, lines, access: () => lines.filter((l) => l.msg === 'http request') };
}

function app(log: ReturnType<typeof capture>['log'], accessLog?: boolean) {
  const metrics = createMetrics({ process: 'ingest', defaults: false });
  const data = new Hono().get('/v1/receivers/:receiver/messages', (c) => c.json({ items: [] }));
  return {
    metrics,
    app: createApp({
      log,
      metrics,
      ...(accessLog === undefined ? {} : { accessLog }),
      adminToken: ADMIN,
      lookupApp: async () => ({ id: 42, name: 'shop', rateLimit: null }),
      ready: async () => ({}),
      data: [data],
    }),
  };
}

describe('access log', () => {
  test('one line per request: method, route pattern, status, ms, app id, request id; no receiver', async () => {
    const c = capture({ level: 'debug' });
    const { app: a, metrics } = app(c.log);
    const res = await a.request('/v1/receivers/%2B8613800000000/messages?day=2026-12-01', {
      headers: { authorization: `Bearer ${APP_KEY}`, 'x-request-id': 'req-abc123' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'req-abc123');
    await a.request('/healthz');
    await a.request('/v1/receivers/x/messages');

    const [first, health, unauth, ...rest] = c.access();
    assert.equal(rest.length, 0, 'one line per request');
    assert.deepEqual(
      { ...first, ms: undefined, time: undefined, pid: undefined, hostname: undefined },
      {
        level: 30,
        name: 'ingest',
        msg: 'http request',
        method: 'GET',
        route: '/v1/receivers/:receiver/messages',
        status: 200,
        appId: 42,
        reqId: 'req-abc123',
        ms: undefined,
        time: undefined,
        pid: undefined,
        hostname: undefined,
      },
    );
    assert.equal(typeof first!.ms, 'number');
    assert.equal(health!.route, '/healthz');
    assert.equal(health!.level, 20, 'probes are logged at debug');
    assert.equal(health!.appId, undefined);
    assert.match(String(health!.reqId), /^[0-9a-f-]{36}$/, 'a request id is made when none came');
    assert.equal(unauth!.status, 401);
    const all = JSON.stringify(c.lines);
    assert.doesNotMatch(all, /8613800000000|pk_accesslog|admin-token/, 'receiver or credential logged');

    // The same requests are in the HTTP metrics, by route pattern.
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /push_http_requests_total\{method="GET",route="\/v1\/receivers\/:receiver\/messages",status="200",process="ingest"\} 1/,
    );
    assert.match(text, /push_http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} 1/);
  });

  test('ACCESS_LOG off: no line, metrics still counted', async () => {
    const c = capture();
    const { app: a, metrics } = app(c.log, false);
    await a.request('/healthz');
    assert.equal(c.access().length, 0);
    assert.match(await metrics.registry.metrics(), /push_http_requests_total\{[^}]*route="\/healthz"/);
  });
});

describe('log redaction', () => {
  const entry = {
    receiver: '+8613800000000',
    delivery: { rcv: 'ann@example.com', route: 'email.notice' },
    config: { secret: 's3cret-value' },
    apiKey: 'pk_live_123',
  };

  test('on by default: receivers and secrets are redacted wherever they appear', () => {
    const c = capture();
    c.log.info(entry, 'probe');
    const line = c.lines[0]!;
    assert.equal(line.receiver, '[redacted]');
    assert.deepEqual(line.delivery, { rcv: '[redacted]', route: 'email.notice' });
    assert.deepEqual(line.config, { secret: '[redacted]' });
    assert.equal(line.apiKey, '[redacted]');
  });

  test('LOG_REDACT off shows receivers; secrets stay redacted', () => {
    const c = capture({ redact: false });
    c.log.info(entry, 'probe');
    const line = c.lines[0]!;
    assert.equal(line.receiver, '+8613800000000');
    assert.deepEqual(line.delivery, { rcv: 'ann@example.com', route: 'email.notice' });
    assert.deepEqual(line.config, { secret: '[redacted]' });
    assert.equal(line.apiKey, '[redacted]');
  });
});
