import { builder } from '../builder.ts';
import './judgment-execution.ts';
import './feedback.ts';
import './sample.ts';
import './workflow.ts';
import './rule-extraction.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
