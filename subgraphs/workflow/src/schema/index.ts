import { builder } from '../builder.ts';
import './workflow.ts';
import './workflow-event.ts';
import './workflow-snapshot.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
