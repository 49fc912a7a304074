import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stepInput } from '../testkit/step-input.ts';
import { quietHoursStep, quietWindowEnd } from './quiet-hours.ts';
import { zonedTimeToUtc } from './zoned-time.ts';

const NIGHT = { start: '22:00', end: '08:00' };
const iso = (s: string) => Date.parse(s);

describe('quietWindowEnd', () => {
  const cases: [string, string, { start: string; end: string }, string, string | undefined][] = [
    // [what, now (UTC), window, zone, expected end (UTC) or undefined]
    [
      '23:00 before midnight → 08:00 next day',
      '2026-01-01T15:00Z',
      NIGHT,
      'Asia/Shanghai',
      '2026-01-02T00:00Z',
    ],
    [
      '03:00 after midnight → 08:00 same day',
      '2026-01-01T19:00Z',
      NIGHT,
      'Asia/Shanghai',
      '2026-01-02T00:00Z',
    ],
    ['22:00 exactly is inside', '2026-01-01T14:00Z', NIGHT, 'Asia/Shanghai', '2026-01-02T00:00Z'],
    ['07:59 is inside, one minute left', '2026-01-01T23:59Z', NIGHT, 'Asia/Shanghai', '2026-01-02T00:00Z'],
    ['08:00 exactly is outside', '2026-01-02T00:00Z', NIGHT, 'Asia/Shanghai', undefined],
    ['21:59 is outside', '2026-01-01T13:59Z', NIGHT, 'Asia/Shanghai', undefined],
    ['noon is outside', '2026-01-01T04:00Z', NIGHT, 'Asia/Shanghai', undefined],
    [
      'same-day window inside',
      '2026-01-01T05:00Z',
      { start: '12:00', end: '14:00' },
      'Asia/Shanghai',
      '2026-01-01T06:00Z',
    ],
    [
      'same-day window after end',
      '2026-01-01T06:00Z',
      { start: '12:00', end: '14:00' },
      'Asia/Shanghai',
      undefined,
    ],
    [
      'same-day window before start',
      '2026-01-01T03:59Z',
      { start: '12:00', end: '14:00' },
      'Asia/Shanghai',
      undefined,
    ],
    [
      'start == end is an empty window',
      '2026-01-01T15:00Z',
      { start: '22:00', end: '22:00' },
      'Asia/Shanghai',
      undefined,
    ],
    [
      'malformed window is no window',
      '2026-01-01T15:00Z',
      { start: '24:00', end: '08:00' },
      'Asia/Shanghai',
      undefined,
    ],
    [
      'west of UTC: local date behind UTC',
      '2026-01-01T07:00Z',
      NIGHT,
      'America/Los_Angeles',
      '2026-01-01T16:00Z',
    ],
    ['half-hour zone', '2026-01-01T16:45Z', NIGHT, 'Asia/Kolkata', '2026-01-02T02:30Z'],
    ['+14 zone', '2026-01-01T09:00Z', NIGHT, 'Pacific/Kiritimati', '2026-01-01T18:00Z'],
    [
      'same instant: quiet in Shanghai (23:00)…',
      '2026-01-01T15:00Z',
      NIGHT,
      'Asia/Shanghai',
      '2026-01-02T00:00Z',
    ],
    ['…but not in Berlin (16:00)', '2026-01-01T15:00Z', NIGHT, 'Europe/Berlin', undefined],
    ['UTC', '2026-06-01T23:00Z', NIGHT, 'UTC', '2026-06-02T08:00Z'],
    // DST: New York springs forward 2026-03-08 02:00 EST → 03:00 EDT, falls back 2026-11-01 02:00 EDT → 01:00 EST.
    [
      'spring forward night: ends 08:00 EDT',
      '2026-03-08T04:00Z',
      NIGHT,
      'America/New_York',
      '2026-03-08T12:00Z',
    ],
    ['fall back night: ends 08:00 EST', '2026-11-01T03:00Z', NIGHT, 'America/New_York', '2026-11-01T13:00Z'],
    ['after spring forward, 07:30 EDT', '2026-03-08T11:30Z', NIGHT, 'America/New_York', '2026-03-08T12:00Z'],
    [
      'end skipped by the jump → the jump',
      '2026-03-08T06:30Z',
      { start: '22:00', end: '02:30' },
      'America/New_York',
      '2026-03-08T07:00Z',
    ],
    ['Berlin summer time', '2026-07-01T21:00Z', NIGHT, 'Europe/Berlin', '2026-07-02T06:00Z'],
  ];
  for (const [what, now, window, zone, want] of cases) {
    test(`${what} (${zone})`, () => {
      const got = quietWindowEnd(iso(now), window, zone);
      assert.equal(
        got === undefined ? undefined : new Date(got).toISOString(),
        want && new Date(iso(want)).toISOString(),
      );
    });
  }

  test('zonedTimeToUtc picks the first of a repeated hour', () => {
    // 01:30 happens twice in New York on 2026-11-01: first in EDT (05:30Z).
    const t = zonedTimeToUtc({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York');
    assert.equal(new Date(t).toISOString(), '2026-11-01T05:30:00.000Z');
  });
});

describe('quietHoursStep', () => {
  const step = quietHoursStep();
  const night = iso('2026-01-01T15:00Z'); // 23:00 Shanghai, 16:00 Berlin

  test('outside the window everything passes', async () => {
    assert.deepEqual(await step(stepInput({ template: { shield: 'drop' } })), { kind: 'pass' });
  });

  test("policy 'none' passes inside the window", async () => {
    assert.deepEqual(await step(stepInput({ now: night, template: { shield: 'none' } })), { kind: 'pass' });
  });

  test("policy 'drop' drops inside the window", async () => {
    const r = await step(stepInput({ now: night, template: { shield: 'drop' } }));
    assert.equal(r.kind, 'drop');
    assert.equal(r.kind === 'drop' && r.state, 'shield_dropped');
  });

  test("policy 'delay' delays to the window's end", async () => {
    const r = await step(stepInput({ now: night, template: { shield: 'delay' } }));
    assert.deepEqual(r.kind === 'delay' && [r.state, r.until], ['shield_delayed', iso('2026-01-02T00:00Z')]);
  });

  test('verification codes are never shielded', async () => {
    const r = await step(
      stepInput({ now: night, delivery: { messageType: 'auth' }, template: { shield: 'drop' } }),
    );
    assert.deepEqual(r, { kind: 'pass' });
  });

  test("zone: the receiver's, else the template's, else the platform's", async () => {
    const at = (over: Parameters<typeof stepInput>[0]) =>
      step(stepInput({ now: night, ...over, template: { shield: 'drop', ...over?.template } }));
    // Platform Shanghai (23:00) → quiet.
    assert.equal((await at({})).kind, 'drop');
    // Template Berlin (16:00) → not quiet.
    assert.equal((await at({ template: { timezone: 'Europe/Berlin' } })).kind, 'pass');
    // Receiver Tokyo (00:00) beats the template's Berlin → quiet.
    assert.equal(
      (await at({ delivery: { timezone: 'Asia/Tokyo' }, template: { timezone: 'Europe/Berlin' } })).kind,
      'drop',
    );
    // An unknown receiver zone is skipped, the template's applies.
    assert.equal(
      (await at({ delivery: { timezone: 'Mars/Olympus' }, template: { timezone: 'Europe/Berlin' } })).kind,
      'pass',
    );
  });

  test('window and platform zone come from the live config', async () => {
    const config = { quietHours: { start: '15:00', end: '17:00', timezone: 'Europe/Berlin' } };
    const r = await step(stepInput({ now: night, template: { shield: 'delay' }, config }));
    assert.deepEqual(r.kind === 'delay' && r.until, iso('2026-01-01T16:00Z'));
  });
});
