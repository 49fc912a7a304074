// A refused config write: the API's message, then each field it names with its path.
import { ErrorNotice } from '../components.tsx';
import { issuesOf } from './config-data.ts';

/** The error of the last write (nothing when there is none), listing a 422's fields. */
export function IssueList(props: { error: unknown; testId?: string }) {
  if (props.error === undefined || props.error === null) return null;
  const issues = issuesOf(props.error);
  return (
    <div data-testid={props.testId ?? 'cfg-errors'}>
      <ErrorNotice error={props.error} />
      {issues.length > 0 ? (
        <ul class="ops-issues">
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code data-testid="cfg-issue-path">{i.path}</code> {i.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
