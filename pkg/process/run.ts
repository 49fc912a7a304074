import { type Config, configOrExit, loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { type Core, openCore } from './core.ts';
import { type Closer, onShutdown } from './shutdown.ts';

/**
 * The body of every `services/<name>/main.ts`: read config (an invalid value stops the process
 * with a message naming the variable), open the core, start the process's work, and close
 * everything in reverse order on SIGTERM/SIGINT.
 *
 * @example await runProcess('handler', async (core) => (await startHandlerProcess(core)).closers);
 */
export async function runProcess(
  name: string,
  start: (core: Core) => Promise<Closer[]>,
  opts: {
    config?: (c: Config) => Config;
    /** Runs before the core opens (e.g. start a local Redis); its closers close last. */
    before?: (config: ReturnType<typeof withDevSecrets>) => Promise<Closer[]>;
  } = {},
): Promise<void> {
  const config = configOrExit(name, () => {
    const base = loadConfig();
    return withDevSecrets(opts.config ? opts.config(base) : base);
  });
  let early: Closer[] = [];
  let core: Core;
  try {
    if (opts.before) early = await opts.before(config);
    core = await openCore(config, name);
  } catch (err) {
    process.stderr.write(`${name}: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const shutdown = onShutdown(core.log);
  const stopTracing = await startTracing({
    endpoint: config.otel.endpoint,
    serviceName: `${config.otel.serviceName}-${name}`,
    sampleRatio: config.otel.sampleRatio,
    protocol: config.otel.protocol,
  });
  shutdown.add({ name: 'tracing', close: stopTracing });
  // Started by deploy/bootstrap.mjs: stop when the launcher goes away.
  if (process.channel) {
    process.on('disconnect', () => void shutdown.stop('launcher exited'));
    process.channel.unref();
  }
  for (const c of early) shutdown.add(c);
  for (const c of core.closers) shutdown.add(c);
  try {
    for (const c of await start(core)) shutdown.add(c);
  } catch (err) {
    core.log.fatal({ err }, 'start failed');
    await shutdown.stop('start failed');
    process.exit(1);
  }
}
