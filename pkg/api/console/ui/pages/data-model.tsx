// What the data pages read (pkg/api/data/schemas.ts) and the helpers they share.
import { STATES } from '../../../../domain/states.ts';
import { api } from '../api.ts';
import { useLoad } from '../components.tsx';

/** A template as the pickers list it. */
export type TemplateOption = { id: number; name: string; channel: string };

/** A message's trace (`GET /v1/messages/{id}`). */
export type MessageTrace = {
  messageId: string;
  templateId: number;
  templateVersion: number | null;
  receiver: string;
  channel: string;
  messageType: string;
  appId: number | null;
  requestId: string | null;
  bizId: string | null;
  accountId: number | null;
  provider: string | null;
  state: string;
  timeline: { state: string; at: string; reason: string }[];
};

/** Counts by state of one day or hour. */
export type Counts = Record<string, number>;

/** `GET /v1/templates/{id}/stats`. */
export type TemplateStats = {
  templateId: number;
  from: string;
  to: string;
  days: { day: string; counts: Counts }[];
  hours?: { hour: string; counts: Counts }[];
};

/** Lifecycle states in the order a message goes through them. */
const STATE_ORDER: readonly string[] = STATES;

/** The states with any count in `rows`, in lifecycle order (unknown ones last). */
export function statesIn(rows: { counts: Counts }[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const [k, v] of Object.entries(r.counts)) if (v) seen.add(k);
  const rank = (s: string) => (STATE_ORDER.includes(s) ? STATE_ORDER.indexOf(s) : STATE_ORDER.length);
  return [...seen].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** `YYYY-MM-DD` moved by `n` days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Every template (for the pickers), first 200 by newest. */
export function useTemplateOptions() {
  return useLoad(
    (signal) =>
      api<{ items: TemplateOption[] }>('/v1/admin/templates', { query: { pageSize: 200 }, signal }).then(
        (r) => r.items,
      ),
    [],
  );
}
