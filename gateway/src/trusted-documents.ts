import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cache } from '@judgify/runtime/cache';
import { AppError } from '@judgify/runtime/errors';
import { hasRole, type Identity } from '@judgify/runtime/identity';
import { getOperationAST, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { z } from 'zod';

export type TrustedDocumentsMode = 'off' | 'allow' | 'require';

export interface TrustedDocument {
  /** sha256 of the body, lower-case hex. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/;
const manifestShape = z.object({
  format: z.literal(MANIFEST_FORMAT, { error: `"format" must be "${MANIFEST_FORMAT}"` }),
  version: z.literal(1, { error: '"version" must be 1' }),
  operations: z.array(z.unknown(), { error: '"operations" must be a list' }),
});
const operationShape = z.object({
  id: z.string({ error: '"id" must be a string' }).regex(SHA256_HEX, '"id" must be the sha256 of "body", 64 lower-case hex digits'),
  name: z.string({ error: '"name" must be a string' }).min(1, '"name" must not be empty'),
  type: z.enum(['query', 'mutation', 'subscription'], { error: '"type" must be query, mutation or subscription' }),
  body: z.string({ error: '"body" must be a string' }).min(1, '"body" must not be empty'),
});

export class ManifestError extends Error {}

/** The one operation a trusted document may hold; fragments beside it are fine. */
function soleOperation(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * Reads a manifest in Apollo's `apollo-persisted-query-manifest` format. Every entry is checked:
 * its id is its body's hash, the body parses and holds one operation of the declared type and
 * name. A problem names the file, the entry and the reason.
 */
export function parseManifest(text: string, source: string): TrustedDocument[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${source}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const manifest = manifestShape.safeParse(raw);
  if (!manifest.success) throw new ManifestError(`${source}: ${manifest.error.issues.map((issue) => issue.message).join('; ')}`);
  return manifest.data.operations.map((entry, index) => {
    const label = `${source}: operations[${index}]`;
    const operation = operationShape.safeParse(entry);
    if (!operation.success) throw new ManifestError(`${label}: ${operation.error.issues.map((issue) => issue.message).join('; ')}`);
    const { id, name, type, body } = operation.data;
    const where = `${label} ("${name}")`;
    const actual = sha256Hex(body);
    if (actual !== id) throw new ManifestError(`${where}: "id" is not the sha256 of "body" (the body hashes to ${actual})`);
    let document: DocumentNode;
    try {
      document = parse(body, { maxTokens: 20_000 });
    } catch (error) {
      throw new ManifestError(`${where}: "body" is not a GraphQL document (${error instanceof Error ? error.message : String(error)})`);
    }
    const sole = soleOperation(document);
    if (!sole) throw new ManifestError(`${where}: "body" must hold exactly one operation`);
    if (sole.operation !== type) throw new ManifestError(`${where}: "type" says ${type}, but the body is a ${sole.operation}`);
    if (sole.name?.value !== name) throw new ManifestError(`${where}: "name" says ${name}, but the operation is named ${sole.name?.value ?? '(anonymous)'}`);
    return operation.data;
  });
}

export function readManifest(path: string): TrustedDocument[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read trusted documents manifest ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseManifest(text, path);
}

/** The request parameters this module reads and rewrites. */
export interface DocumentParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** What `resolve` found: the document to run, and whether a manifest vouches for it. */
export interface ResolvedDocument {
  query: string;
  trusted: boolean;
}

const badRequest = (message: string) => new AppError('BAD_REQUEST', message, { http: { status: 400 } });
const notFound = (message: string) => new AppError('PERSISTED_QUERY_NOT_FOUND', message, { http: { status: 400 } });

/** APQ registrations outlive most client sessions; a client whose hash was forgotten simply registers again. */
const APQ_TTL_SECONDS = 24 * 3600;

function persistedQueryHash(extensions: DocumentParams['extensions']): string | undefined {
  const persisted = extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (persisted === undefined) return undefined;
  if (persisted?.version !== 1) throw badRequest('extensions.persistedQuery.version must be 1 (Apollo automatic persisted queries).');
  if (typeof persisted.sha256Hash !== 'string' || !SHA256_HEX.test(persisted.sha256Hash)) {
    throw badRequest('extensions.persistedQuery.sha256Hash must be the sha256 of the query, 64 lower-case hex digits.');
  }
  return persisted.sha256Hash;
}

function documentIdHash(documentId: unknown): string | undefined {
  if (documentId === undefined || documentId === null) return undefined;
  const match = typeof documentId === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(documentId) : null;
  if (!match) throw badRequest(`"documentId" must be "sha256:" followed by 64 lower-case hex digits; got ${JSON.stringify(documentId)}.`);
  return match[1];
}

/** True when every root field is `__schema`, `__type` or `__typename`: the explorer's schema fetch. */
function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));
}

/**
 * Trusted documents: operations registered in manifests, sent by `documentId` (`sha256:<hex>`,
 * the GraphQL-over-HTTP persisted documents appendix) or by Apollo's APQ hash.
 * - `off`: documents come as text; ids are refused.
 * - `allow`: registered and arbitrary documents both run; APQ registers arbitrary ones.
 * - `require`: only registered documents run, except introspection (the explorer loading the
 *   schema), read-only queries on delegated calls (platform services run what their users asked
 *   for, and check it), and, when configured, anything an admin sends.
 */
export class TrustedDocuments {
  private readonly byHash: ReadonlyMap<string, TrustedDocument>;

  constructor(
    private readonly options: { mode: TrustedDocumentsMode; documents: readonly TrustedDocument[]; adminBypass: boolean; apq: Cache },
  ) {
    this.byHash = new Map(options.documents.map((document) => [document.id, document]));
  }

  get mode(): TrustedDocumentsMode {
    return this.options.mode;
  }

  /** Finds the document a request names, by id, by APQ hash or as text; throws a refusal naming the problem. */
  async resolve(params: DocumentParams): Promise<ResolvedDocument> {
    const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
    const fromId = documentIdHash(params.documentId);
    const fromApq = persistedQueryHash(params.extensions);
    const { mode } = this.options;
    if (mode === 'off') {
      if (query) return { query, trusted: false };
      if (fromId || fromApq) throw badRequest('Persisted documents are turned off on this gateway (TRUSTED_DOCUMENTS=off): send the document itself in "query".');
      return { query: '', trusted: false };
    }
    const hash = fromId ?? fromApq;
    if (hash && query && sha256Hex(query) !== hash) {
      throw badRequest(`The query sent does not match its hash ${hash}: the hash must be the sha256 of the exact query text.`);
    }
    if (hash) {
      const registered = this.byHash.get(hash);
      if (registered) return { query: registered.body, trusted: true };
      if (fromId) throw notFound(`No trusted document with documentId "sha256:${hash}" is registered on this gateway.`);
      if (query) {
        if (mode === 'allow') await this.options.apq.set(hash, query, APQ_TTL_SECONDS);
        return { query, trusted: false };
      }
      const remembered = mode === 'allow' ? await this.options.apq.get<string>(hash) : undefined;
      // Apollo clients send the query again on this code (automatic persisted queries).
      if (!remembered) throw notFound(`PersistedQueryNotFound: no query with sha256 ${hash} is known here; send it again with the query.`);
      return { query: remembered, trusted: false };
    }
    if (query) return { query, trusted: this.byHash.has(sha256Hex(query)) };
    return { query: '', trusted: false };
  }

  /** Why an untrusted document may not run for this caller, in `require` mode; undefined when it may. */
  refusal(document: DocumentNode, operationName: string | null | undefined, identity: Identity | undefined): AppError | undefined {
    if (this.options.mode !== 'require') return undefined;
    const operation = getOperationAST(document, operationName);
    if (operation && isIntrospectionOnly(operation)) return undefined;
    if (operation?.operation === 'query' && identity?.via?.length) return undefined;
    if (this.options.adminBypass && identity && hasRole(identity, 'admin')) return undefined;
    return new AppError(
      'PERSISTED_QUERY_REQUIRED',
      'This gateway runs only trusted documents (TRUSTED_DOCUMENTS=require): send a registered operation by its "documentId" instead of arbitrary query text.',
      { http: { status: 400 } },
    );
  }
}
