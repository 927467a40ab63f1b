import { builder } from '../builder.ts';
import './workflow.ts';
import './simulation.ts';
import './judgment-execution.ts';
import './judgment-batch.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
