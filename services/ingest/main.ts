// Ingest process: HTTP send/admin/data API, console, health and metrics.
import { consoleRoutes } from '../../pkg/api/console/routes.ts';
import { startIngest } from '../../pkg/runtime/ingest.ts';
import { standardRouters } from '../../pkg/runtime/routers.ts';
import { runProcess } from '../../pkg/runtime/run.ts';

await runProcess('ingest', async (core) => {
  const { routers, closers } = standardRouters(core);
  const ingest = await startIngest(core, { ...routers, pages: consoleRoutes() });
  return [...closers, ...ingest.closers];
});
