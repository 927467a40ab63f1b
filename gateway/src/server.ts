import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startGateway } from './service.ts';

const running = await startGateway(loadConfig(process.env));
closeOnSignals(running.logger, running.close);
