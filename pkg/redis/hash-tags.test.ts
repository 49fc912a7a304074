import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config/config.ts';
import type { Route } from '../domain/channels.ts';
import { MEMBERS_LEASE_NAME, partitionLeaseName } from '../stats/leases.ts';
import { slotOf } from './cluster.ts';
import { createKeys } from './keys.ts';

// Redis Cluster runs a script only when all its keys hash to one slot, which braces (hash tags)
// guarantee. A single Redis never complains, so this test is what keeps the rule: every Lua
// script of the repository, with the keys its call sites pass, built by the real key builders.

const k = createKeys('push:');
const route: Route = 'email.notice';
const p = 3;

/** The key sets each script is called with (one entry per distinct call site), or `included`. */
const SCRIPTS: Record<string, 'included' | (() => string[])[]> = {
  'api/scripts/auth-fail.lua': [
    () => [k.authFailures('203.0.113.9'), k.authBlock('203.0.113.9')],
    () => [k.authFailures('2001:db8::1'), k.authBlock('2001:db8::1')],
  ],
  'bus/scripts/ack-many.lua': [() => [k.stream(route)]],
  'bus/scripts/dead-letter-stalled.lua': [() => [k.stream(route), k.deadLetters(route)]],
  'bus/scripts/move-due.lua': [() => [k.delayed(route), k.stream(route)]],
  'bus/scripts/settle-dead.lua': [() => [k.stream(route), k.deadLetters(route)]],
  'bus/scripts/settle-delay.lua': [() => [k.stream(route), k.delayed(route)]],
  'bus/scripts/trim-acknowledged.lua': [() => [k.stream(route)]],
  'channels/kit/scripts/token-claim.lua': [() => [k.token(9, 'access'), k.tokenLock(9, 'access')]],
  'channels/kit/scripts/token-store.lua': [() => [k.token(9, 'access'), k.tokenLock(9, 'access')]],
  'channels/kit/scripts/token-unlock.lua': [() => [k.tokenLock(9, 'access')]],
  'channels/providers/sandbox/scripts/sandbox-read.lua': [() => [k.sandboxInbox()]],
  'ingest/scripts/idem-release.lua': [() => [k.idempotency(7, 'order-1')]],
  'ingest/scripts/idem-take-over.lua': [() => [k.idempotency(7, 'order-1')]],
  'lifecycle/scripts/accept.lua': [() => [k.events(p), k.attempt(p, 'm1'), k.attempt(p, 'm2')]],
  'lifecycle/scripts/attempt-begin.lua': [() => [k.events(p), k.attempt(p, 'm1'), k.attempt(p, 'm2')]],
  'lifecycle/scripts/attempt-finish.lua': [() => [k.events(p), k.attempt(p, 'm1'), k.attempt(p, 'm2')]],
  'lifecycle/scripts/cancel.lua': [() => [k.attempt(p, 'm1'), k.events(p)]],
  'lifecycle/scripts/recalled.lua': [() => [k.attempt(p, 'm1'), k.events(p)]],
  'lifecycle/scripts/receipt.lua': [() => [k.attempt(p, 'm1'), k.events(p)]],
  'lifecycle/scripts/replayed.lua': [() => [k.events(p), k.attempt(p, 'm1'), k.attempt(p, 'm2')]],
  'deadletters/scripts/replay-move.lua': [() => [k.deadLetters(route), k.stream(route)]],
  'lifecycle/scripts/ended.lua': 'included',
  'pipeline/scripts/cool-down.lua': [() => [k.accountRate(4), k.accountCooldown(4)]],
  'pipeline/scripts/dedup-content.lua': [() => [k.dedupContent('abc')]],
  'pipeline/scripts/dedup-frequency.lua': [() => [k.dedupFrequency('sms', '+8613800000000', 'd')]],
  'pipeline/scripts/token-book.lua': [() => [k.accountRate(4), k.accountCooldown(4), k.accountBookings(4)]],
  'pipeline/scripts/park-quota.lua': [() => [k.appParked(7), k.appParkedBytes(7)]],
  'pipeline/scripts/token-bucket.lua': [() => [k.appRate(7)], () => [k.accountRate(4), k.accountCooldown(4)]],
  'redis/scripts/keyed-command.lua': [() => [k.stream(route)], () => [k.events(p)]],
  'redis/scripts/lease-release.lua': [() => [k.lease('scheduler')], () => [k.lease(partitionLeaseName(p))]],
  'redis/scripts/lease-renew.lua': [() => [k.lease('scheduler')], () => [k.lease(partitionLeaseName(p))]],
  'scheduler/scripts/scheduler-complete-run.lua': [() => [k.schedRuns()]],
  'scheduler/scripts/scheduler-enqueue-chunk.lua': [
    () => [k.stream(route), k.schedRunProgress(route, 12, 1_700_000_000_000)],
  ],
  'stats/apply.lua': [
    () => [
      k.events(p),
      k.statsApplied(p),
      k.statsTemplate(p, 12, '2026-01-01'),
      k.statsTemplate(p, 12, '2026-01-01T10'),
      k.statsReceiver(p, 'ann@example.com', '2026-01-01'),
      k.statsReceiverState(p, 'ann@example.com', '2026-01-01'),
    ],
  ],
  'stats/members.lua': [() => [k.lease(MEMBERS_LEASE_NAME)]],
};

/**
 * The slot-deciding part of a key, per the Cluster spec: the text between the first `{` and the
 * first `}` after it when that is non-empty, otherwise the whole key.
 */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
function luaFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) luaFiles(path, out);
    else if (e.name.endsWith('.lua')) out.push(relative(pkgDir, path));
  }
  return out.sort();
}

describe('Lua scripts and Redis Cluster hash tags', () => {
  const files = luaFiles(pkgDir);

  test('every .lua file under pkg/ has an entry here (a new script must state its keys)', () => {
    assert.ok(files.length >= 20, `found only ${files.length} scripts`);
    const missing = files.filter((f) => !(f in SCRIPTS));
    assert.deepEqual(
      missing,
      [],
      `add these scripts and the keys their call sites pass to ${import.meta.url}`,
    );
    const stale = Object.keys(SCRIPTS).filter((f) => !files.includes(f));
    assert.deepEqual(stale, [], 'entries for scripts that no longer exist');
  });

  for (const file of Object.keys(SCRIPTS).sort()) {
    const entry = SCRIPTS[file] ?? [];
    test(`${file}: every call's keys share one hash tag`, () => {
      const source = readFileSync(join(pkgDir, file), 'utf8');
      if (entry === 'included') {
        const name = file.split('/').pop();
        const includers = files.filter((f) =>
          readFileSync(join(pkgDir, f), 'utf8').includes(`--#include ${name}`),
        );
        assert.ok(includers.length > 0, `${file} is marked included but no script includes it`);
        assert.doesNotMatch(source, /KEYS\[/, 'an included file takes its keys as parameters');
        return;
      }
      assert.match(source, /^--.*KEYS/m, `${file} has no KEYS header`);
      // The highest KEYS[n] the script reads must be covered by the keys of its call sites
      // (unless its header marks that key optional).
      const optional = (n: number) => new RegExp(`^--\\s*KEYS\\[${n}\\].*optional`, 'm').test(source);
      const read = [...source.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      const highest = Math.max(0, ...read.filter((n) => !optional(n)));
      for (const keysOf of entry) {
        const keys = keysOf();
        assert.ok(keys.length >= highest, `${file} reads KEYS[${highest}], the table gives ${keys.length}`);
        const tags = new Set(keys.map(hashTag));
        assert.equal(tags.size, 1, `${file}: keys on different slots: ${keys.join(', ')}`);
        // The same with the slot function the Cluster client routes by (CRC16 of the tag).
        assert.equal(new Set(keys.map(slotOf)).size, 1, `${file}: keys on different slots`);
        if (keys.length > 1)
          assert.ok(
            keys.every((key) => /\{[^}]+\}/.test(key)),
            `${file}: untagged keys`,
          );
      }
    });
  }
});

/**
 * Every key builder, with sample arguments, in the group of keys scripts use together. A group
 * of more than one builder must put all its keys in one hash tag; `alone` builders are used by
 * single-key commands or scripts only (or are pub/sub channels).
 */
const GROUPS: Record<string, (() => string)[]> = {
  route: [
    () => k.stream(route),
    () => k.deadLetters(route),
    () => k.delayed(route),
    () => k.schedRunProgress(route, 1, 2),
  ],
  partition: [
    () => k.events(p),
    () => k.statsApplied(p),
    () => k.statsTemplate(p, 1, '2026-01-01'),
    () => k.statsReceiver(p, 'r', '2026-01-01'),
    () => k.statsReceiverState(p, 'r', '2026-01-01'),
    () => k.attempt(p, 'm1'),
    () => k.callbacksEventsDead(p),
    () => k.smsRecordsEventsDead(p),
  ],
  callbacks: [() => k.callbacks(), () => k.callbacksDelayed(), () => k.callbacksDead()],
  receipts: [() => k.receipts(), () => k.receiptsDelayed(), () => k.receiptsDead()],
  account: [() => k.accountRate(4), () => k.accountBookings(4), () => k.accountCooldown(4)],
  token: [() => k.token(9, 'access'), () => k.tokenLock(9, 'access')],
  app: [() => k.appRate(7), () => k.appParked(7), () => k.appParkedBytes(7)],
  authFailures: [() => k.authFailures('203.0.113.9'), () => k.authBlock('203.0.113.9')],
  alone: [
    () => k.eventsLive(),
    () => k.request('r1'),
    () => k.bizIndex('order-1'),
    () => k.idempotency(7, 'key'),
    () => k.dedupContent('abc'),
    () => k.dedupFrequency('sms', 'r', 'd'),
    () => k.configChanged(),
    () => k.templateChanged(),
    () => k.appChanged(),
    () => k.lease('x'),
    () => k.schedRuns(),
    () => k.sandboxInbox(),
  ],
};

describe('key builders', () => {
  test('every builder of createKeys is listed in a group here', () => {
    const listed = Object.values(GROUPS)
      .flat()
      .map((f) => /k\.(\w+)\(/.exec(f.toString())?.[1]);
    const builders = Object.entries(k)
      .filter(([, v]) => typeof v === 'function')
      .map(([name]) => name);
    const missing = builders.filter((b) => !listed.includes(b));
    assert.deepEqual(missing, [], `classify these key builders in GROUPS (${import.meta.url})`);
  });

  for (const [group, builders] of Object.entries(GROUPS)) {
    if (group === 'alone') continue;
    test(`group "${group}": every key carries one non-empty hash tag`, () => {
      const keys = builders.map((b) => b());
      assert.ok(
        keys.every((key) => /\{[^}]+\}/.test(key)),
        `keys without braces: ${keys.join(', ')}`,
      );
      assert.equal(new Set(keys.map(hashTag)).size, 1, `keys on different slots: ${keys.join(', ')}`);
    });
  }

  test('tags separate what must scale apart: routes, partitions and accounts differ', () => {
    assert.notEqual(hashTag(k.stream('email.notice')), hashTag(k.stream('sms.notice')));
    assert.notEqual(hashTag(k.events(1)), hashTag(k.events(2)));
    assert.notEqual(hashTag(k.accountRate(1)), hashTag(k.accountRate(2)));
    assert.equal(hashTag('push:{}x'), 'push:{}x', 'empty braces are no tag');
  });

  test('KEY_PREFIX cannot carry braces: it would become the one tag of every key (one slot for all)', () => {
    assert.throws(() => loadConfig({ KEY_PREFIX: 'push{a}:' }), ConfigError);
    assert.equal(loadConfig({ KEY_PREFIX: 't1:' }).keyPrefix, 't1:');
  });
});
