import { builder } from '../builder.ts';
import './dashboard.ts';
import './metrics.ts';
import './view.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
