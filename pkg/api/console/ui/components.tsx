// Building blocks every page uses: page frame, load state, error notice, fields, dialogs,
// two-step confirmation. Plain elements with the stylesheet's classes; no UI kit.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { tc } from './i18n/common.ts';

/** A page: its title (the document's too), actions on the right, then the content. */
export function Page(props: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  testId?: string;
}) {
  useEffect(() => {
    document.title = `${props.title} · pushline`;
  }, [props.title]);
  return (
    <section class="page" data-testid={props.testId}>
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

export type Loaded<T> = {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
};

/**
 * Runs `load` now and whenever `deps` change (or `reload()` is called); the newest answer wins.
 *
 * @example const apps = useLoad(() => api<{ items: App[] }>('/v1/admin/apps'), []);
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error) => !ctl.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** An error as a line of text: the API's code and message, or the network failure. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  if (err instanceof TypeError) return tc('error.network');
  return err instanceof Error ? err.message : String(err);
}

/** A red notice for an error (nothing when there is none); `role="alert"` so it is announced. */
export function ErrorNotice(props: { error: unknown; testId?: string }) {
  if (props.error === undefined || props.error === null) return null;
  return (
    <p class="notice bad" role="alert" data-testid={props.testId ?? 'error'}>
      {errorText(props.error)}
    </p>
  );
}

/** A green notice. */
export function OkNotice(props: { children: ComponentChildren; testId?: string }) {
  return (
    <p class="notice ok" role="status" data-testid={props.testId ?? 'ok'}>
      {props.children}
    </p>
  );
}

/** A labelled form control; `hint` below it. */
export function Field(props: {
  label: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
  wide?: boolean;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in
    <label class={props.wide ? 'field wide' : 'field'}>
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.hint ? <span class="field-hint">{props.hint}</span> : null}
    </label>
  );
}

/**
 * A modal dialog (the native <dialog>: focus is kept inside, Escape closes it).
 *
 * @example {open && <Dialog title="New app" onClose={() => setOpen(false)}>…</Dialog>}
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      data-testid={props.testId}
      aria-label={props.title}
      onClose={props.onClose}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <header class="dialog-head">
        <h2>{props.title}</h2>
        <button type="button" class="icon" aria-label={tc('close')} onClick={props.onClose}>
          ×
        </button>
      </header>
      <div class="dialog-body">{props.children}</div>
    </dialog>
  );
}

/** A button that asks once more before `onConfirm` (no browser dialog). */
export function ConfirmButton(props: {
  label: string;
  question?: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
  testId?: string;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        class={props.danger ? 'danger' : ''}
        data-testid={props.testId}
        disabled={props.disabled}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </button>
    );
  return (
    <span class="confirm">
      <span>{props.question ?? tc('confirm.delete')}</span>
      <button
        type="button"
        class="danger"
        data-testid={props.testId ? `${props.testId}-confirm` : undefined}
        onClick={async () => {
          setAsking(false);
          await props.onConfirm();
        }}
      >
        {tc('confirm')}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {tc('cancel')}
      </button>
    </span>
  );
}

/** A lifecycle state or status as a coloured pill (class = the state's name). */
export function Pill(props: { value: string; label?: string }) {
  return <span class={`pill ${props.value.replace(/[^a-z_-]/gi, '')}`}>{props.label ?? props.value}</span>;
}

/** A table that scrolls sideways on a narrow screen instead of overflowing the page. */
export function Table(
  props: { children: ComponentChildren; testId?: string } & JSX.HTMLAttributes<HTMLTableElement>,
) {
  const { children, testId, ...rest } = props;
  return (
    <div class="table-wrap">
      <table data-testid={testId} {...rest}>
        {children}
      </table>
    </div>
  );
}

/**
 * A JSON text area: `onValue` gets the parsed value, or the parse error shown under it.
 *
 * @example <JsonArea label="Variables" value={vars} onValue={setVars} />
 */
export function JsonArea(props: {
  label: string;
  value: unknown;
  onValue: (v: unknown) => void;
  rows?: number;
  testId?: string;
  hint?: ComponentChildren;
}) {
  const [text, setText] = useState(() => JSON.stringify(props.value ?? {}, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  return (
    <Field label={props.label} hint={bad ? <span class="bad-text">{bad}</span> : props.hint} wide>
      <textarea
        class="mono"
        rows={props.rows ?? 6}
        spellcheck={false}
        data-testid={props.testId}
        value={text}
        aria-invalid={bad ? 'true' : 'false'}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          try {
            props.onValue(JSON.parse(v));
            setBad(null);
          } catch (err) {
            setBad((err as Error).message);
          }
        }}
      />
    </Field>
  );
}

/** Copies `text` to the clipboard, saying so for two seconds. */
export function CopyButton(props: { text: string; testId?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      data-testid={props.testId}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.text);
          setDone(true);
          setTimeout(() => setDone(false), 2000);
        } catch {
          // Clipboard refused (not a secure context): the value is on screen to select.
        }
      }}
    >
      {done ? tc('copied') : tc('copy')}
    </button>
  );
}
