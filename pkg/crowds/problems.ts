import { AppError } from '../domain/errors.ts';

/**
 * A problem of a crowd file at one place: the CSV line (1-based, the header is line 1), the
 * column (its header name, or null when the problem is the whole line), and what is wrong.
 */
export type CrowdProblem = { line: number; column: string | null; message: string };

/** Problems an answer lists; `errorCount` is always complete. */
export const MAX_LISTED_PROBLEMS = 100;

/**
 * The 4xx that rejects a crowd file: `code` (e.g. `CROWD_INVALID`), the first problem in the
 * message, every problem (up to {@link MAX_LISTED_PROBLEMS}) and their count in the details.
 *
 * @example throw fileRejected('CROWD_EMPTY', [{ line: 1, column: null, message: 'the file is empty' }]);
 */
export function fileRejected(
  code: string,
  problems: readonly CrowdProblem[],
  count = problems.length,
  status = 422,
): AppError {
  const first = problems[0];
  const where = first ? `line ${first.line}${first.column ? `, column "${first.column}"` : ''}: ` : '';
  return new AppError(
    code,
    status,
    `crowd file rejected: ${where}${first?.message ?? 'no valid rows'}${count > 1 ? ` (and ${count - 1} more)` : ''}`,
    { errorCount: count, errors: problems.slice(0, MAX_LISTED_PROBLEMS) },
  );
}
