// Handler process: consumes the delivery streams, filters, sends, records every state.
import { startHandlerProcess } from '../../pkg/runtime/handler.ts';
import { runProcess } from '../../pkg/runtime/run.ts';

await runProcess('handler', async (core) => (await startHandlerProcess(core)).closers);
