import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { LiveEvent, StreamEvent } from './types.ts';

/**
 * Reads a Server-Sent Events answer of `GET /v1/events/stream` as {@link StreamEvent}s, until
 * the server ends it or the caller stops iterating (which closes the connection).
 *
 * @example for await (const e of readLiveTail(res)) if (e.type === 'lifecycle') console.log(e.event.state);
 */
export async function* readLiveTail(res: Response): AsyncGenerator<StreamEvent> {
  if (!res.body) return;
  const messages = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  // Breaking out of this loop cancels the stream, and so the request.
  for await (const m of messages) {
    if (m.event === 'lifecycle') yield { type: 'lifecycle', event: JSON.parse(m.data) as LiveEvent };
    else if (m.event === 'ready') {
      const { templateId } = JSON.parse(m.data) as { templateId: number | null };
      yield { type: 'ready', templateId };
    } else if (m.event === 'dropped') {
      yield { type: 'dropped', count: (JSON.parse(m.data) as { count: number }).count };
    }
  }
}
