import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { inSpan, startTracing, traceparentOf } from './tracing.ts';

test('spans continue the caller trace and reach the OTLP endpoint', async () => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => {
      b += c;
    });
    req.on('end', () => {
      bodies.push(`${req.url} ${b}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stop = await startTracing({ endpoint: `http://127.0.0.1:${port}`, serviceName: 'test' });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  let child = '';
  await inSpan('push.send', `00-${traceId}-00f067aa0ba902b7-01`, { k: 1 }, async (span) => {
    child = traceparentOf(span);
  });
  assert.match(child, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  await assert.rejects(
    inSpan('push.deliver', child, {}, async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  await stop();
  server.close();
  const all = bodies.join('\n');
  assert.match(all, /\/v1\/traces/);
  assert.ok(all.includes('push.send') && all.includes('push.deliver'), 'both spans exported');
});
