import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startJudgmentService } from './service.ts';

const running = await startJudgmentService(loadConfig(process.env));
closeOnSignals(running.infrastructure.logger, running.close);
