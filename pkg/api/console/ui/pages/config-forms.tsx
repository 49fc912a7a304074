// Friendly forms for the live config's everyday sections: the kill switch (templates whose
// deliveries are discarded), the whitelist, quiet hours, dedup, concurrency per route and rate
// limits per channel account. Each saves its own section (PATCH).
import { useState } from 'preact/hooks';
import { Field } from '../components.tsx';
import { tg } from '../i18n/ops.ts';
import type { LiveConfig } from './config-data.ts';
import { pairs, SectionForm, tokens } from './config-section.tsx';

type Props = { config: LiveConfig; onSaved: (c: LiveConfig) => void };
const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s));
const badLine = (line: string) => tg('form.badLine', { line });

function KillSwitch(props: Props) {
  const [ids, setIds] = useState(props.config.discardTemplateIds.join(', '));
  return (
    <SectionForm
      section="discardTemplateIds"
      title={tg('discard.title')}
      hint={tg('discard.hint')}
      onSaved={props.onSaved}
      value={() => tokens(ids).map(num)}
    >
      <Field label={tg('discard.ids')} wide>
        <input value={ids} data-testid="cfg-discard-ids" onInput={(e) => setIds(e.currentTarget.value)} />
      </Field>
    </SectionForm>
  );
}

function Whitelist(props: Props) {
  const [enabled, setEnabled] = useState(props.config.whitelist.enabled);
  const [list, setList] = useState(props.config.whitelist.receivers.join('\n'));
  return (
    <SectionForm
      section="whitelist"
      title={tg('whitelist.title')}
      hint={tg('whitelist.hint')}
      onSaved={props.onSaved}
      value={() => ({
        enabled,
        receivers: list
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      })}
    >
      <label class="check">
        <input
          type="checkbox"
          checked={enabled}
          data-testid="cfg-whitelist-enabled"
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        {tg('whitelist.enabled')}
      </label>
      <Field label={tg('whitelist.receivers')} wide>
        <textarea rows={4} value={list} onInput={(e) => setList(e.currentTarget.value)} />
      </Field>
    </SectionForm>
  );
}

function QuietHours(props: Props) {
  const [q, setQ] = useState(props.config.quietHours);
  const set = (k: keyof typeof q) => (e: { currentTarget: HTMLInputElement }) =>
    setQ({ ...q, [k]: e.currentTarget.value });
  return (
    <SectionForm
      section="quietHours"
      title={tg('quiet.title')}
      hint={tg('quiet.hint')}
      onSaved={props.onSaved}
      value={() => q}
    >
      <Field label={tg('quiet.start')}>
        <input value={q.start} placeholder="22:00" data-testid="cfg-quiet-start" onInput={set('start')} />
      </Field>
      <Field label={tg('quiet.end')}>
        <input value={q.end} placeholder="08:00" data-testid="cfg-quiet-end" onInput={set('end')} />
      </Field>
      <Field label={tg('quiet.timezone')}>
        <input value={q.timezone} onInput={set('timezone')} />
      </Field>
    </SectionForm>
  );
}

function Dedup(props: Props) {
  const d = props.config.dedup;
  const [win, setWin] = useState(String(d.contentWindowSec));
  const [limit, setLimit] = useState(String(d.frequency.limit));
  const [per, setPer] = useState(d.frequency.per);
  const [windowSec, setWindowSec] = useState(String(d.frequency.windowSec));
  return (
    <SectionForm
      section="dedup"
      title={tg('dedup.title')}
      hint={tg('dedup.hint')}
      onSaved={props.onSaved}
      value={() => ({
        contentWindowSec: num(win),
        frequency: { limit: num(limit), per, windowSec: num(windowSec) },
      })}
    >
      <Field label={tg('dedup.window')}>
        <input inputMode="numeric" value={win} onInput={(e) => setWin(e.currentTarget.value)} />
      </Field>
      <Field label={tg('dedup.limit')}>
        <input inputMode="numeric" value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
      </Field>
      <Field label={tg('dedup.per')}>
        <select value={per} onChange={(e) => setPer(e.currentTarget.value as typeof per)}>
          <option value="day">{tg('dedup.day')}</option>
          <option value="window">{tg('dedup.rolling')}</option>
        </select>
      </Field>
      <Field label={tg('dedup.windowSec')}>
        <input inputMode="numeric" value={windowSec} onInput={(e) => setWindowSec(e.currentTarget.value)} />
      </Field>
    </SectionForm>
  );
}

function Concurrency(props: Props) {
  const [text, setText] = useState(
    Object.entries(props.config.concurrency)
      .map(([r, n]) => `${r} = ${n}`)
      .join('\n'),
  );
  return (
    <SectionForm
      section="concurrency"
      title={tg('concurrency.title')}
      hint={tg('concurrency.hint')}
      onSaved={props.onSaved}
      value={() => Object.fromEntries(pairs(text, badLine).map(([k, v]) => [k, num(v)]))}
    >
      <Field label={tg('concurrency.lines')} wide>
        <textarea
          class="mono"
          rows={4}
          value={text}
          placeholder="email.notice = 50"
          data-testid="cfg-concurrency"
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </Field>
    </SectionForm>
  );
}

function RateLimits(props: Props) {
  const [text, setText] = useState(
    Object.entries(props.config.rateLimits)
      .map(([id, r]) => `${id} = ${r.rate}/${r.burst}`)
      .join('\n'),
  );
  return (
    <SectionForm
      section="rateLimits"
      title={tg('rate.title')}
      hint={tg('rate.hint')}
      onSaved={props.onSaved}
      value={() =>
        Object.fromEntries(
          pairs(text, badLine).map(([id, v]) => {
            const [rate = '', burst] = v.split('/');
            return [id, burst === undefined ? { rate: num(rate) } : { rate: num(rate), burst: num(burst) }];
          }),
        ) as LiveConfig['rateLimits']
      }
    >
      <Field label={tg('rate.lines')} wide>
        <textarea
          class="mono"
          rows={4}
          value={text}
          placeholder="3 = 10/20"
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </Field>
    </SectionForm>
  );
}

/** Every section form, each saving on its own. */
export function ConfigForms(props: Props) {
  return (
    <div class="ops-forms">
      <KillSwitch {...props} />
      <QuietHours {...props} />
      <Whitelist {...props} />
      <Dedup {...props} />
      <Concurrency {...props} />
      <RateLimits {...props} />
    </div>
  );
}
