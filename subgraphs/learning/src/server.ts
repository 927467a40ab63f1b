import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startLearningService } from './service.ts';

const running = await startLearningService(loadConfig(process.env));
closeOnSignals(running.infrastructure.logger, running.close);
