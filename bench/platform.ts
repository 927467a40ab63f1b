import { testRedisUrl } from '@judgify/runtime/testing';
import { startEmbeddedPlatform, startPlatform } from '../e2e/platform.ts';

/** The platform a bench runs on: a process per service when Redis is configured (they meet through it), else `npm start`'s one process. */
export async function startBenchPlatform() {
  const distributed = Boolean(testRedisUrl());
  const platform = distributed ? await startPlatform({ logLevel: 'info' }) : await startEmbeddedPlatform({ logLevel: 'info' });
  return { platform, shape: distributed ? 'a process per service' : 'every service in one process (npm start)' };
}
