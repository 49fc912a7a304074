// The live config's change history (GET /v1/admin/config/history): who changed it, when, and
// which sections, each with its value before and after.
import { api } from '../api.ts';
import { ErrorNotice, Table, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tg } from '../i18n/ops.ts';
import { formatTime } from '../i18n.ts';

type Entry = { at: string; actor: string; old: Record<string, unknown> | null; new: Record<string, unknown> };

/** The top-level sections whose value differs. */
function changed(e: Entry): string[] {
  const keys = new Set([...Object.keys(e.old ?? {}), ...Object.keys(e.new ?? {})]);
  return [...keys].filter((k) => JSON.stringify(e.old?.[k]) !== JSON.stringify(e.new?.[k]));
}

/** A section's value for the eye: the dictionary by its size, not 100,000 words. */
function shown(section: string, v: unknown): string {
  if (v === undefined) return '—';
  if (section === 'sensitiveWords')
    return tg('history.words', { n: (v as { words?: unknown[] }).words?.length ?? 0 });
  return JSON.stringify(v);
}

/** The history list, newest first (read each time its tab opens). */
export function ConfigHistory() {
  const list = useLoad(
    (signal) => api<{ items: Entry[] }>('/v1/admin/config/history', { query: { limit: 50 }, signal }),
    [],
  );
  if (list.error) return <ErrorNotice error={list.error} />;
  if (!list.data) return <p class="muted">{tc('loading')}</p>;
  if (list.data.items.length === 0) return <p class="muted">{tg('history.empty')}</p>;
  return (
    <Table testId="cfg-history">
      <thead>
        <tr>
          <th>{tg('history.at')}</th>
          <th>{tg('history.actor')}</th>
          <th>{tg('history.what')}</th>
        </tr>
      </thead>
      <tbody>
        {list.data.items.map((e) => {
          const sections = changed(e);
          return (
            <tr key={`${e.at}/${e.actor}`} data-testid="cfg-history-row">
              <td>{formatTime(e.at)}</td>
              <td data-testid="cfg-history-actor">{e.actor}</td>
              <td>
                {sections.length === 0 ? (
                  <span class="muted">{tg('history.same')}</span>
                ) : (
                  <details>
                    <summary data-testid="cfg-history-sections">
                      {e.old ? sections.join(', ') : tg('history.first')}
                    </summary>
                    <dl class="ops-diff">
                      {sections.map((s) => (
                        <div key={s}>
                          <dt class="mono">{s}</dt>
                          <dd class="mono">
                            <del>{shown(s, e.old?.[s])}</del>
                            <ins>{shown(s, e.new?.[s])}</ins>
                          </dd>
                        </div>
                      ))}
                    </dl>
                  </details>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}
