import { randomUUID } from 'node:crypto';
import { Counter } from '@judgify/runtime/metrics';
import { createRateLimiter } from '@judgify/runtime/rate-limiter';
import { silentLogger } from '@judgify/runtime/testing';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOperationLimiter, parseRateLimits, rateLimitedError, rootFieldCounts } from './rate-limits.ts';

describe('RATE_LIMITS', () => {
  it('reads the default: per root field, with a budget for every other field', () => {
    const policy = parseRateLimits('executeJudgment=100/1m,generateView=10/1m,createWorkflow=50/1h,*=1000/1h');
    expect(policy.enabled).toBe(true);
    expect(Object.fromEntries(policy.byField)).toEqual({
      executeJudgment: { points: 100, windowMs: 60_000 },
      generateView: { points: 10, windowMs: 60_000 },
      createWorkflow: { points: 50, windowMs: 3_600_000 },
    });
    expect(policy.fallback).toEqual({ points: 1000, windowMs: 3_600_000 });
    expect(parseRateLimits('off').enabled).toBe(false);
    expect(parseRateLimits('a=1/30s,b=2/d').byField.get('a')).toEqual({ points: 1, windowMs: 30_000 });
  });

  it('names every malformed entry', () => {
    const result = z.string().transform(parseRateLimits).safeParse('executeJudgment=100, =1/1m,x=0/1m,y=5/1w');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'RATE_LIMITS entry "executeJudgment=100" is not "<root field or *>=<points>/<window>", e.g. "executeJudgment=100/1m" or "*=1000/1h"',
      'RATE_LIMITS entry "=1/1m" is not "<root field or *>=<points>/<window>", e.g. "executeJudgment=100/1m" or "*=1000/1h"',
      'RATE_LIMITS entry "x=0/1m" is not "<root field or *>=<points>/<window>", e.g. "executeJudgment=100/1m" or "*=1000/1h"',
      'RATE_LIMITS entry "y=5/1w" is not "<root field or *>=<points>/<window>", e.g. "executeJudgment=100/1m" or "*=1000/1h"',
    ]);
  });
});

describe('root field counts', () => {
  const counts = (document: string, variables?: Record<string, unknown>, operationName?: string) =>
    Object.fromEntries(rootFieldCounts(parse(document), operationName, variables));

  it('count every alias, in fragments too, and each field of the operation that runs', () => {
    expect(
      counts(`
        mutation Many($skip: Boolean!) {
          a: executeJudgment(input: $i1) { id }
          b: executeJudgment(input: $i2) { id }
          ...More
          ... on Mutation { d: executeJudgment(input: $i4) { id } }
          e: executeJudgment(input: $i5) @skip(if: $skip) { id }
          f: executeJudgment(input: $i6) @include(if: false) { id }
          createWorkflow(input: $w) { id }
          __typename
        }
        fragment More on Mutation { c: executeJudgment(input: $i3) { id } }
        query Other { workflows { id } }
      `, { skip: true }, 'Many'),
    ).toEqual({ executeJudgment: 4, createWorkflow: 1 });
  });

  it('count a repeated alias once, as GraphQL merges it into one call, and never introspection', () => {
    expect(counts('{ a: workflows { id } a: workflows { name } ...F ...F } fragment F on Query { workflows { id } }')).toEqual({ workflows: 2 });
    expect(counts('{ __schema { types { name } } __type(name: "Query") { name } }')).toEqual({});
  });
});

describe('refusals', () => {
  it('say which budget, how large, and when to come back, with Retry-After for HTTP', () => {
    const error = rateLimitedError({ key: 'executeJudgment', cost: 3, limit: { points: 100, windowMs: 60_000 } }, 12_300);
    expect(error.message).toBe('Rate limit reached for executeJudgment: at most 100 per minute per user (this request asks for 3). Try again in 13 s.');
    expect(error.extensions).toEqual({
      code: 'RATE_LIMITED',
      field: 'executeJudgment',
      limit: 100,
      windowSeconds: 60,
      retryAfterSeconds: 13,
      http: { status: 429, headers: { 'Retry-After': '13' } },
    });
    expect(rateLimitedError({ key: 'generateView', cost: 11, limit: { points: 10, windowMs: 60_000 } }, 60_000).message).toBe(
      'Rate limit reached for generateView: at most 10 per minute per user (this request asks for 11). No single request may ask for more than that.',
    );
  });
});

describe('operation limiter', () => {
  const user = { userId: 'ada', tenantId: 'acme', roles: ['admin' as const] };
  const limiterFor = (text: string) =>
    createOperationLimiter({
      policy: parseRateLimits(text),
      limiter: createRateLimiter({ logger: silentLogger, service: 'test' }),
      refusals: new Counter({ name: `refusals_${randomUUID().replaceAll('-', '')}`, help: 'test', labelNames: ['operation'], registers: [] }),
    });

  it('charges a delegated call only on the budgets named for its fields, never the `*` default', async () => {
    const limits = limiterFor('executeJudgment=2/1m,*=1/1h');
    const lookup = parse('{ similarSamples { id } }');
    expect(await limits.check(user, lookup, undefined, undefined, { delegated: true })).toBeUndefined();
    expect(await limits.check(user, lookup, undefined, undefined, { delegated: true })).toBeUndefined();
    expect(await limits.check(user, lookup, undefined, undefined)).toBeUndefined();
    expect((await limits.check(user, lookup, undefined, undefined))?.extensions.code).toBe('RATE_LIMITED');

    const judge = parse('mutation { executeJudgment { id } }');
    expect(await limits.check(user, judge, undefined, undefined, { delegated: true })).toBeUndefined();
    expect(await limits.check(user, judge, undefined, undefined)).toBeUndefined();
    expect((await limits.check(user, judge, undefined, undefined, { delegated: true }))?.message).toContain('executeJudgment');
  });
});
