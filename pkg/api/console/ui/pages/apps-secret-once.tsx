// A secret the API answers once (an API key, a signing secret, a receipt URL): shown in a box
// with a copy button and a warning until the operator dismisses it; never kept anywhere else.
import { CopyButton } from '../components.tsx';

/** One secret to show once. */
export type Once = { title: string; value: string; testId: string };

/** The boxes of the secrets just answered; `onDismiss` drops one from the page for good. */
export function SecretOnce(props: {
  items: Once[];
  warning: string;
  dismiss: string;
  onDismiss: (o: Once) => void;
}) {
  return (
    <>
      {props.items.map((o) => (
        <section class="secret-once" role="status" key={o.testId} data-testid={`${o.testId}-box`}>
          <h2>{o.title}</h2>
          <p>
            <strong>{props.warning}</strong>
          </p>
          <div class="row once-value">
            <code data-testid={o.testId}>{o.value}</code>
            <CopyButton text={o.value} testId={`${o.testId}-copy`} />
            <button type="button" data-testid={`${o.testId}-dismiss`} onClick={() => props.onDismiss(o)}>
              {props.dismiss}
            </button>
          </div>
        </section>
      ))}
    </>
  );
}
