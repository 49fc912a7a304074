import { AppError } from '../../domain/errors.ts';

const ACTOR = /^[\p{L}\p{N} ._@:/+-]{1,128}$/u;

/**
 * Who made a config change, for the audit: the `X-Actor` header (an operator's name from a
 * console or proxy) or 'admin'. A malformed header is a 422.
 *
 * @example actorOf(' ann ') // 'ann'
 * @example actorOf(undefined) // 'admin'
 */
export function actorOf(header: string | undefined): string {
  const actor = header?.trim() ?? '';
  if (actor === '') return 'admin';
  if (!ACTOR.test(actor)) {
    throw new AppError('VALIDATION_FAILED', 422, 'invalid X-Actor header', [
      { path: 'X-Actor', message: 'letters, digits, spaces and ._@:/+- only, at most 128 characters' },
    ]);
  }
  return actor;
}
