import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startWorkflowService } from './service.ts';

const running = await startWorkflowService(loadConfig(process.env));
closeOnSignals(running.infrastructure.logger, running.close);
