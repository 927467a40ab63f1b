import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLiveUpdates, MAX_UNTAKEN_NOTICES } from './pubsub.ts';
import { silentLogger, testRedisPrefix, testRedisUrl } from './testing/index.ts';

const redisUrl = testRedisUrl();
const modes: Array<[string, string | undefined]> = [['in-process', undefined]];
if (redisUrl) modes.push(['redis', redisUrl]);
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const prefix = testRedisPrefix();
const target = (url: string | undefined) => (url ? { url, prefix } : undefined);

describe.each(modes)('%s live updates', (_mode, url) => {
  it('delivers to subscribers of the same channel and tenant only, across instances', async () => {
    const publisherSide = createLiveUpdates({ redis: target(url), logger: silentLogger, service: 'test-pub' });
    const subscriberSide = createLiveUpdates({ redis: target(url), logger: silentLogger, service: 'test-sub' });
    onTestFinished(() => Promise.all([publisherSide.close(), subscriberSide.close()]).then(() => undefined));
    const acme = subscriberSide.subscribe<{ id: string }>('test.completed', 'acme');
    const globex = subscriberSide.subscribe('test.completed', 'globex');
    const nextAcme = acme.next();
    const globexSeen: unknown[] = [];
    void (async () => {
      for await (const payload of globex) globexSeen.push(payload);
    })();
    await settle();
    publisherSide.publish('test.completed', 'acme', { id: 'e-1' });
    publisherSide.publish('test.other', 'acme', { id: 'e-2' });
    expect((await nextAcme).value).toEqual({ id: 'e-1' });
    await settle();
    expect(globexSeen).toEqual([]);
    await acme.return(undefined);
    await globex.return(undefined);
  });

  it(`ends a subscriber more than ${MAX_UNTAKEN_NOTICES} notices behind with SUBSCRIBER_TOO_SLOW, never failing the publisher or the others`, async () => {
    const live = createLiveUpdates({ redis: target(url), logger: silentLogger, service: 'test-slow' });
    onTestFinished(() => live.close());
    // Listening from here on, but taking nothing until the burst is over.
    const stalled = live.subscribe<{ n: number }>('test.burst', 'acme');
    const reading = live.subscribe<{ n: number }>('test.burst', 'acme');
    const received: number[] = [];
    const readingAll = (async () => {
      for await (const notice of reading) if (received.push(notice.n) === MAX_UNTAKEN_NOTICES + 10) return;
    })();
    await settle();
    // In bursts of 100 the reading subscriber keeps up with; the stalled one takes none.
    for (let n = 0; n < MAX_UNTAKEN_NOTICES + 10; n++) {
      expect(() => live.publish('test.burst', 'acme', { n })).not.toThrow();
      if (n % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await readingAll;
    expect(received).toEqual(Array.from({ length: MAX_UNTAKEN_NOTICES + 10 }, (_, n) => n));
    let held = 0;
    await expect(
      (async () => {
        for await (const _ of stalled) held++;
      })(),
    ).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
    expect(held).toBe(MAX_UNTAKEN_NOTICES);
  });
});

describe.runIf(redisUrl)('live updates over Redis', () => {
  it('listens to a Redis channel while anyone subscribes, and stops once the last one leaves', async () => {
    const live = createLiveUpdates({ redis: target(redisUrl), logger: silentLogger, service: 'test-numsub' });
    const redis = new Redis(redisUrl!);
    onTestFinished(async () => {
      await live.close();
      redis.disconnect();
    });
    const tenant = `numsub-${Date.now()}`;
    const listeners = async () => ((await redis.pubsub('NUMSUB', `${prefix}test.channel:${tenant}`)) as [string, number])[1];
    const first = live.subscribe('test.channel', tenant);
    const second = live.subscribe('test.channel', tenant);
    await expect.poll(listeners).toBe(1);
    await first.return(undefined);
    await settle();
    expect(await listeners()).toBe(1);
    await second.return(undefined);
    await expect.poll(listeners).toBe(0);
  });

  it('neither throws nor leaves a rejection behind when Redis is unreachable; subscribers are told', async () => {
    const live = createLiveUpdates({ redis: target('redis://127.0.0.1:1'), logger: silentLogger, service: 'test-down' });
    onTestFinished(() => live.close());
    expect(() => live.publish('test.down', 'acme', { id: 'lost' })).not.toThrow();
    const refused = live.subscribe('test.down', 'acme').next();
    await expect(refused).rejects.toMatchObject({ extensions: { code: 'LIVE_UPDATES_UNAVAILABLE' } });
    // What Redis said (hosts, ports) stays in the log.
    await expect(refused).rejects.toThrow(/^Live updates of test\.down are unavailable right now\. Subscribe again later\.$/);
  });
});
