import { builder } from '../builder.ts';
import './chat-session.ts';
import './chat-message.ts';
import './assistant.ts';

export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
