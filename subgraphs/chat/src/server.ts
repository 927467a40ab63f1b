import { closeOnSignals } from '@judgify/runtime/http-server';
import { loadConfig } from './config.ts';
import { startChatService } from './service.ts';

const running = await startChatService(loadConfig(process.env));
closeOnSignals(running.infrastructure.logger, running.close);
