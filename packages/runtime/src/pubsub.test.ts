import { describe, expect, it } from 'vitest';
import { createLivePubSub } from './pubsub.ts';
import { silentLogger, testRedisUrl } from './testing/index.ts';

type Channels = { 'judgment.completed': [tenantId: string, payload: { id: string }] };

const redisUrl = testRedisUrl();
const modes: Array<[string, string | undefined]> = [['in-process', undefined]];
if (redisUrl) modes.push(['redis', redisUrl]);

describe.each(modes)('%s live pub/sub', (_mode, url) => {
  it('delivers to subscribers of the same topic only, across instances', async () => {
    const publisherSide = createLivePubSub<Channels>({ redisUrl: url, logger: silentLogger, service: 'test-pub' });
    const subscriberSide = createLivePubSub<Channels>({ redisUrl: url, logger: silentLogger, service: 'test-sub' });
    const acme = subscriberSide.pubsub.subscribe('judgment.completed', 'acme');
    const globex = subscriberSide.pubsub.subscribe('judgment.completed', 'globex');
    const nextAcme = acme[Symbol.asyncIterator]().next();
    const globexSeen: unknown[] = [];
    void (async () => {
      for await (const payload of globex) globexSeen.push(payload);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    publisherSide.pubsub.publish('judgment.completed', 'acme', { id: 'e-1' });
    expect((await nextAcme).value).toEqual({ id: 'e-1' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(globexSeen).toEqual([]);
    await acme.return?.();
    await globex.return?.();
    await Promise.all([publisherSide.close(), subscriberSide.close()]);
  });
});
