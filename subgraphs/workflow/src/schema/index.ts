import { builder } from '../builder.ts';
import './workflow.ts';
import './workflow-event.ts';
import './workflow-snapshot.ts';
import './action-target.ts';
import './event-subscription.ts';
import './action-run.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
