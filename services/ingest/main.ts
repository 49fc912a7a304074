// Ingest process: HTTP send/admin/data API, console, health and metrics.
// Wiring: config → core clients (pkg/process/run.ts) → routers (./routers.ts: admin, live
// config, data, per-app rate) → ingest app on config.port (./wire.ts: send service, auth, ready).
import { consoleRoutes } from '../../pkg/api/console/routes.ts';
import { runProcess } from '../../pkg/process/run.ts';
import { standardRouters } from './routers.ts';
import { startIngest } from './wire.ts';

await runProcess('ingest', async (core) => {
  const { routers, closers } = standardRouters(core);
  const ingest = await startIngest(core, { ...routers, pages: consoleRoutes() });
  return [...closers, ...ingest.closers];
});
