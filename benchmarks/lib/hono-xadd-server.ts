// Child process: the bare-Hono ceiling. `POST /v1/send` parses the JSON body and appends one
// delivery-sized entry with one XADD (auto-pipelined ioredis, as ingest's command connection),
// then answers 202 — no auth, validation, templates, ledger or idempotency.
// Prints {"ready":true,"port":n} once listening; stops on SIGTERM.
// Usage: node --import tsx benchmarks/lib/hono-xadd-server.ts --prefix=<p> --port=<n>
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { argNumber, argString, benchEnv } from './env.ts';
import { deliveryLikeFields } from './stream-ceiling.ts';

async function main() {
  const { redisUrl } = benchEnv();
  const prefix = argString('prefix', 'bench-hono:');
  const port = argNumber('port', 0);
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const stream = `${prefix}d:{sandbox.notice}`;
  let n = 0;
  const app = new Hono();
  app.post('/v1/send', async (c) => {
    const body = (await c.req.json()) as { messages?: { receivers?: string[] }[] };
    const fields = deliveryLikeFields(n++);
    fields[7] = body.messages?.[0]?.receivers?.[0] ?? fields[7]!;
    const id = await redis.xadd(stream, '*', ...fields);
    return c.json({ requestId: id, accepted: 1, messageIds: [id] }, 202);
  });
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`${JSON.stringify({ ready: true, port: info.port })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    redis
      .del(stream)
      .finally(() => redis.disconnect())
      .finally(() => process.exit(0));
  });
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) await main();
