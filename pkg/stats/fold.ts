import type { Channel } from '../domain/channels.ts';
import type { LifecycleEvent } from '../domain/events.ts';
import { timeOfId } from '../domain/ids.ts';
import { lookupForm } from '../domain/receivers.ts';
import type { State } from '../domain/states.ts';
import { bucketer, type Day } from './buckets.ts';

/** One decoded lifecycle event with the id of its stream entry. */
export type FoldInput = { streamId: string; event: LifecycleEvent };

/** Count per state (only states that occurred). */
export type Counts = Partial<Record<State, number>>;

/** The latest known state of a message, as listed for its receiver. */
export type LatestState = { at: number; state: State; templateId: number; channel: Channel; reason: string };

/**
 * What one batch of events changes, ready to be applied in one script. Pure data: no keys, no
 * partition; `pkg/stats/apply.ts` turns it into Redis commands.
 */
export type Deltas = {
  /**
   * Per template and bucket (day `YYYY-MM-DD` and hour `YYYY-MM-DDTHH`): the summed count of
   * each state. One entry per counter key and one count per field, however many events of the
   * batch hit it, so the apply script runs one HINCRBY per (key, field) of the batch.
   */
  counters: { templateId: number; bucket: string; counts: Counts }[];
  /**
   * Per message: the receiver's day listing it appears in (the day it was accepted), its
   * acceptance time (sort score), its latest state in this batch (latest by event time, the
   * later stream entry on a tie), and `fresh` when the batch holds the message's first event
   * (`accepted` or `scheduled`), so it is probably not listed yet. `fresh` only picks the
   * cheaper order of commands in the apply script; either value gives the same result.
   */
  receivers: {
    receiver: string;
    day: Day;
    messageId: string;
    score: number;
    latest: LatestState;
    fresh: boolean;
  }[];
};

/** States a message's first event has: a message seen with one is probably new to its listing. */
const FIRST_STATES: ReadonlySet<State> = new Set(['accepted', 'scheduled']);

export type FoldOptions = { timezone: string; now: number };

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * When the platform accepted a message: the time encoded in its id (ids are ULIDs, see
 * pkg/domain/ids.ts), so every event of the message lists it under the same receiver day however
 * late a receipt arrives. Ids of another shape fall back to the event's time.
 *
 * @example acceptedAt(newId(t), t + 5000, Date.now()) // t
 */
export function acceptedAt(messageId: string, eventAt: number, now: number): number {
  if (!ULID_RE.test(messageId)) return eventAt;
  const t = timeOfId(messageId);
  return t > 0 && t <= now + 86_400_000 ? t : eventAt;
}

/**
 * Folds a batch of lifecycle events (in stream order) into deltas: per template, per day and per
 * hour the count of each state (buckets from the event's time in `timezone`); per receiver and
 * day the message with its latest state. Timelines are not folded: each message's is written
 * with its state in its ledger record (pkg/lifecycle/trace.ts). Events without a usable time are
 * taken at `now`. Pure: same input, same output.
 *
 * @example
 * const d = fold([{ streamId: '1-0', event }], { timezone: 'Asia/Shanghai', now: Date.now() });
 * d.counters // [{ templateId: 7, bucket: '2026-11-23', counts: { sent: 1 } }, { …bucket: '2026-11-23T09'… }]
 */
export function fold(events: readonly FoldInput[], opts: FoldOptions): Deltas {
  const bucketOf = bucketer(opts.timezone);
  const counters = new Map<string, { templateId: number; bucket: string; counts: Counts }>();
  const receivers = new Map<string, Deltas['receivers'][number]>();

  const count = (templateId: number, bucket: string, state: State) => {
    const k = `${templateId}|${bucket}`;
    let c = counters.get(k);
    if (!c) {
      c = { templateId, bucket, counts: {} };
      counters.set(k, c);
    }
    c.counts[state] = (c.counts[state] ?? 0) + 1;
  };

  for (const { event: raw } of events) {
    const event = Number.isFinite(raw.at) && raw.at > 0 ? raw : { ...raw, at: opts.now };
    const { day, hour } = bucketOf(event.at);
    count(event.templateId, day, event.state);
    count(event.templateId, hour, event.state);

    const latest: LatestState = {
      at: event.at,
      state: event.state,
      templateId: event.templateId,
      channel: event.channel,
      reason: event.reason,
    };
    // Listed under the form lookups use: an address sent as `Ann@X.com` (and passed to the
    // provider so) is found by any case of it, a mobile by any of its forms.
    const receiver = lookupForm(event.receiver);
    const rk = `${receiver}\n${event.messageId}`;
    const prev = receivers.get(rk);
    if (!prev) {
      const score = acceptedAt(event.messageId, event.at, opts.now);
      receivers.set(rk, {
        receiver,
        day: bucketOf(score).day,
        messageId: event.messageId,
        score,
        latest,
        fresh: FIRST_STATES.has(event.state),
      });
    } else if (event.at >= prev.latest.at) {
      prev.latest = latest;
    }
  }
  return {
    counters: [...counters.values()],
    receivers: [...receivers.values()],
  };
}
