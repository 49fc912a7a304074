// Child process: autocannon as the load generator when wrk is not installed, in its own process
// so it does not share an event loop with the harness, and so its CPU is its own and measured.
// POSTs the body in --body-file (bearer token from $BENCH_API_KEY) with --connections for a
// one-second warm-up (thrown away), then --seconds measured. Prints {"measuring":true} as the
// measured phase starts (the harness takes the server's CPU there), then one JSON line: requests,
// seconds, latency percentiles in ms (p99.9 included), non-2xx, errors, and cpuMs, the user +
// system CPU of this process over the measured phase only.
// Usage: node --import tsx benchmarks/lib/autocannon-worker.ts --url=<u> --body-file=<f> --connections=64 --seconds=5
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { argNumber, argString } from './env.ts';

async function main() {
  const base = {
    url: argString('url', ''),
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${process.env.BENCH_API_KEY ?? 'none'}`,
    },
    body: readFileSync(argString('body-file', ''), 'utf8'),
    connections: argNumber('connections', 64),
    timeout: 30,
  };
  await autocannon({ ...base, duration: 1 });
  process.stdout.write(`${JSON.stringify({ measuring: true })}\n`);
  const cpu0 = process.cpuUsage();
  const r = await autocannon({ ...base, duration: argNumber('seconds', 5) });
  const cpu = process.cpuUsage(cpu0);
  const result = {
    requests: r.requests.total,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    p999: r.latency.p99_9 ?? Number.NaN,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) await main();
