import { builder } from '../builder.ts';
import './judgment-execution.ts';
import './feedback.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
