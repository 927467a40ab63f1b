import { createHash } from 'node:crypto';
import { createInMemoryCache, useResponseCache, type Cache } from '@envelop/response-cache';
import type { EventEnvelope } from '@judgify/runtime/events';
import type { Logger } from '@judgify/runtime/logger';
import { Counter, type Registry } from '@judgify/runtime/metrics';
import type { RedisTarget } from '@judgify/runtime/redis';
import { getOperationAST, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from './context.ts';
import type { ResponseCachePolicy } from './response-cache-config.ts';
import { CoveragePolicy, policyProblems, supergraphOwnership, type CacheDecision } from './response-cache-coverage.ts';
import { EVICTED_TYPES, EVICTING_EVENTS, inProcessEvictionFeed, redisEvictionFeed, type EvictionFeed, type EvictionHandlers } from './response-cache-events.ts';

export interface ResponseCacheOptions {
  policy: ResponseCachePolicy;
  /** The API schema the gateway serves, and the supergraph it came from (who resolves what). */
  schema: GraphQLSchema;
  supergraphSdl: string;
  maxEntries: number;
  /** Distributed mode: the bus's streams are read here. Without it, the process's in-process bus (`npm start`). */
  redis?: RedisTarget;
  logger: Logger;
  registry: Registry;
}

/** What the miss that stored an entry cost to execute: what each hit on it saves. */
const COST = Symbol('responseCacheCostSeconds');
type Entry = ExecutionResult & { [COST]: number };

interface Pending {
  decision: CacheDecision;
  session: string;
  tenantId: string;
  started: number;
  /** The tenant's eviction count when it started: an answer read before an eviction it overlapped is not stored. */
  generation: number;
  /** What the answer is filed under (`CoveragePolicy.tagsOf`). */
  tagsOf(data: unknown): Set<string>;
}

/**
 * A response cache for reads at the gateway, `@envelop/response-cache` doing the lookups and the
 * LRU with TTLs and entity index. What it cannot know here is ours:
 * - what may be cached (`CoveragePolicy`, from RESPONSE_CACHE and the supergraph's ownership);
 * - what an answer holds: the federation executor runs the client's document, not the library's
 *   copy with `__typename` and ids added, so answers are filed by walking them with the document;
 * - whom an answer is for: tenant and roles always, and the user unless every entry it relies on
 *   is `@tenant`; delegated calls (a service acting for a user, roles narrowed) are not cached;
 * - when it goes stale: the owning subgraphs' events, read by every replica
 *   (`response-cache-events.ts`), and this gateway's own mutations, which evict at once the
 *   tenant's answers from the subgraphs they wrote to.
 * It runs where execution does, after authentication, trusted documents, limits and rate limits.
 */
export function createResponseCache(options: ResponseCacheOptions) {
  const ownership = supergraphOwnership(options.supergraphSdl);
  const problems = policyProblems(options.policy, options.schema);
  if (problems.length) throw new Error(`RESPONSE_CACHE: ${problems.join('; ')}`);
  const coverage = new CoveragePolicy(options.schema, options.policy, ownership);
  const log = options.logger.child({ component: 'response-cache' });
  const unevicted = [...options.policy.rules.keys()].map((coordinate) => coordinate.split('.')[0]!).filter((type) => ownership.owners.has(type) && !EVICTED_TYPES.has(type));
  if (unevicted.length) {
    log.info({ types: [...new Set(unevicted)] }, "no event evicts these types' entries: they live out their TTL (this gateway's mutations still evict their tenant's entries)");
  }
  if (!options.redis) log.info('no REDIS_URL: only subgraphs in this process (npm start) evict entries by events; a gateway in a process of its own evicts by TTL and by its own mutations only');

  const requests = new Counter({
    name: 'response_cache_requests_total',
    help: 'Operations by what the response cache did: hit (served from it), miss (executed, stored if clean), bypass (not cacheable: mutations, uncovered fields, delegated calls, events not readable)',
    labelNames: ['result'],
    registers: [options.registry],
  });
  const saved = new Counter({
    name: 'response_cache_saved_seconds_total',
    help: 'Execution time hits saved: for each hit, what the miss that stored its entry took to execute (planning and subgraph fetches)',
    registers: [options.registry],
  });
  const evictions = new Counter({
    name: 'response_cache_evictions_total',
    help: 'Evictions asked for, by source: event (an owning subgraph event), mutation (a mutation through this gateway), resync (the event feed came back after a gap: everything)',
    labelNames: ['source'],
    registers: [options.registry],
  });

  let store: Cache = createInMemoryCache({ max: options.maxEntries });
  const generations = new Map<string, number>();
  let epoch = 0;
  const generationOf = (tenantId: string) => epoch + (generations.get(tenantId) ?? 0);
  const evict = (tenantId: string, tags: Array<{ typename: string; id?: string }>, source: 'event' | 'mutation') => {
    generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
    evictions.inc({ source });
    void store.invalidate(tags);
  };

  const handlers: EvictionHandlers = {
    event(event: EventEnvelope) {
      const asked = EVICTING_EVENTS[event.eventType]?.(event) ?? [];
      if (!asked.length || !event.tenantId) return;
      evict(
        event.tenantId,
        asked.flatMap(({ typename, id }) => [...(id ? [{ typename, id }] : []), { typename: `${typename}@${event.tenantId}` }]),
        'event',
      );
    },
    resync() {
      // Counts up by more than any tenant could, so every answer in flight is not stored either.
      epoch += 1_000_000_000;
      store = createInMemoryCache({ max: options.maxEntries });
      evictions.inc({ source: 'resync' });
    },
  };
  const feed: EvictionFeed = options.redis ? redisEvictionFeed(options.redis, options.logger, handlers) : inProcessEvictionFeed(options.logger, handlers);

  const pending = new WeakMap<object, Pending>();
  /** The cache as one request sees it (the library asks once per context): counts, saves and files what it stores. */
  const viewFor = (context: object): Cache => ({
    get(key) {
      const entry = store.get(key) as Entry | null | undefined;
      if (!entry || entry instanceof Promise) {
        requests.inc({ result: 'miss' });
        return null;
      }
      requests.inc({ result: 'hit' });
      saved.inc(entry[COST]);
      // A fresh envelope each time: plugins that add extensions must not change the entry.
      return { data: entry.data };
    },
    set(key, result, _entities, ttl) {
      const request = pending.get(context);
      if (!request || generationOf(request.tenantId) !== request.generation) return;
      const tags = request.tagsOf(result.data);
      const entry: Entry = { data: result.data, [COST]: (performance.now() - request.started) / 1000 };
      return store.set(key, entry, [...tags].map((typename) => ({ typename })), ttl);
    },
    invalidate: (entities) => store.invalidate(entities),
  });

  /** Decides per operation before the library looks up: what it may, for whom, and what is bypassed. */
  const decide: Plugin<GatewayContext> = {
    onExecute({ args }) {
      const context = args.contextValue as GatewayContext;
      const operation = getOperationAST(args.document, args.operationName);
      const identity = context.identity;
      if (operation?.operation === 'mutation') {
        requests.inc({ result: 'bypass' });
        if (!identity) return;
        const graphs = coverage.mutationGraphs(args.document, args.operationName);
        return {
          onExecuteDone() {
            if (graphs.length) evict(identity.tenantId, graphs.map((graph) => ({ typename: `@${graph}@${identity.tenantId}` })), 'mutation');
          },
        };
      }
      const decision = coverage.decide(args.document, args.operationName);
      if (!identity || context.delegation || identity.via?.length || !decision.cacheable || !feed.live) {
        requests.inc({ result: 'bypass' });
        return;
      }
      const roles = [...identity.roles].sort().join(',');
      pending.set(context, {
        decision,
        session: JSON.stringify([identity.tenantId, roles, decision.scope === 'user' ? identity.userId : null]),
        tenantId: identity.tenantId,
        started: performance.now(),
        generation: generationOf(identity.tenantId),
        tagsOf: (data) => coverage.tagsOf(args.document, args.operationName, data, identity.tenantId, EVICTED_TYPES),
      });
    },
  };

  const cache = useResponseCache<GatewayContext>({
    session: (context) => pending.get(context)?.session ?? null,
    enabled: (context) => pending.has(context),
    cache: (context) => viewFor(context),
    // The decision sets each TTL; the library adds none of its own and leaves mutations to us.
    ttl: 0,
    onTtl: ({ context }) => pending.get(context)?.decision.ttlMs ?? 0,
    idFields: [],
    invalidateViaMutation: false,
    includeExtensionMetadata: false,
    shouldCacheResult: ({ result }) => !result.errors?.length && result.data != null,
    buildResponseCacheKey: ({ documentString, variableValues, operationName, sessionId }) =>
      createHash('sha256')
        .update(JSON.stringify([sessionId, operationName ?? null, variableValues ?? {}]))
        .update('\n')
        .update(documentString)
        .digest('base64url'),
  });

  return {
    /** After the executor's plugin (useApolloFederation): the library wraps the execute function it set. */
    plugins: [decide, cache as Plugin<GatewayContext>],
    close: () => feed.close(),
  };
}
