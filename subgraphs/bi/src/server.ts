import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startBiService } from './service.ts';

const running = await startBiService(loadConfig(process.env));
closeOnSignals(running.infrastructure.logger, running.close);
