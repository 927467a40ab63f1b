import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startGateway } from './service.ts';

try {
  const running = await startGateway(loadConfig(process.env));
  closeOnSignals(running.logger, running.close);
} catch (error) {
  // A supergraph that cannot be read, composed or loaded is a configuration problem: say which.
  process.stderr.write(`[gateway] cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
