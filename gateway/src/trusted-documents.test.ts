import { createMemoryCache } from '@judgify/runtime/cache';
import type { Identity } from '@judgify/runtime/identity';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, parseManifest, sha256Hex, TrustedDocuments, type TrustedDocumentsMode } from './trusted-documents.ts';

const body = 'query RecentWorkflows { workflows(first: 5) { id name } }';
const entry = (overrides: Record<string, unknown> = {}) => ({ id: sha256Hex(body), name: 'RecentWorkflows', type: 'query', body, ...overrides });
const manifest = (operations: unknown[]) => JSON.stringify({ format: MANIFEST_FORMAT, version: 1, operations });

const operator: Identity = { userId: 'otto', tenantId: 'acme', roles: ['operator'] };
const admin: Identity = { userId: 'ada', tenantId: 'acme', roles: ['admin'] };

const documents = (mode: TrustedDocumentsMode, adminBypass = false) =>
  new TrustedDocuments({ mode, documents: parseManifest(manifest([entry()]), 'test.json'), adminBypass, apq: createMemoryCache() });

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { extensions: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
};

describe('trusted documents manifest', () => {
  it('reads the apollo-persisted-query-manifest format', () => {
    expect(parseManifest(manifest([entry()]), 'm.json')).toEqual([entry()]);
  });

  it('names the entry and the reason for every malformed manifest', () => {
    const problem = (text: string) => {
      try {
        parseManifest(text, 'm.json');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(problem('{')).toMatch(/^m\.json: not JSON/);
    expect(problem(JSON.stringify({ format: 'other', version: 1, operations: [] }))).toBe('m.json: "format" must be "apollo-persisted-query-manifest"');
    expect(problem(manifest([entry({ id: 'abc' })]))).toBe('m.json: operations[0]: "id" must be the sha256 of "body", 64 lower-case hex digits');
    expect(problem(manifest([entry(), entry({ id: sha256Hex('x') })]))).toBe(
      `m.json: operations[1] ("RecentWorkflows"): "id" is not the sha256 of "body" (the body hashes to ${sha256Hex(body)})`,
    );
    expect(problem(manifest([entry({ type: 'mutation' })]))).toBe('m.json: operations[0] ("RecentWorkflows"): "type" says mutation, but the body is a query');
    expect(problem(manifest([entry({ name: 'Other' })]))).toBe('m.json: operations[0] ("Other"): "name" says Other, but the operation is named RecentWorkflows');
    const two = `${body} query B { workflows { id } }`;
    expect(problem(manifest([entry({ body: two, id: sha256Hex(two) })]))).toBe('m.json: operations[0] ("RecentWorkflows"): "body" must hold exactly one operation');
    const broken = 'query {';
    expect(problem(manifest([entry({ body: broken, id: sha256Hex(broken) })]))).toMatch(/operations\[0\] \("RecentWorkflows"\): "body" is not a GraphQL document/);
    expect(problem(manifest([{ id: sha256Hex(body), body }]))).toBe('m.json: operations[0]: "name" must be a string; "type" must be query, mutation or subscription');
  });
});

describe('resolving documents', () => {
  it('finds a registered document by documentId or by the text itself, and checks a hash against the text sent with it', async () => {
    const trusted = documents('allow');
    expect(await trusted.resolve({ documentId: `sha256:${sha256Hex(body)}` })).toEqual({ query: body, trusted: true });
    expect(await trusted.resolve({ query: body })).toEqual({ query: body, trusted: true });
    expect(await trusted.resolve({ query: '{ workflows { id } }' })).toEqual({ query: '{ workflows { id } }', trusted: false });
    const mismatch = await rejection(trusted.resolve({ documentId: `sha256:${sha256Hex(body)}`, query: '{ workflows { id } }' }));
    expect(mismatch.message).toBe(`The query sent does not match its hash ${sha256Hex(body)}: the hash must be the sha256 of the exact query text.`);
    expect(mismatch.extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses unknown and malformed documentIds with what is wrong', async () => {
    const trusted = documents('require');
    const unknown = await rejection(trusted.resolve({ documentId: `sha256:${'0'.repeat(64)}` }));
    expect(unknown.message).toBe(`No trusted document with documentId "sha256:${'0'.repeat(64)}" is registered on this gateway.`);
    expect(unknown.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } });
    const malformed = await rejection(trusted.resolve({ documentId: 'md5:abc' }));
    expect(malformed.message).toBe('"documentId" must be "sha256:" followed by 64 lower-case hex digits; got "md5:abc".');
  });

  it('registers and recalls Apollo APQ hashes in allow mode, as Apollo clients expect', async () => {
    const trusted = documents('allow');
    const query = '{ workflows(first: 2) { id } }';
    const persistedQuery = { version: 1, sha256Hash: sha256Hex(query) };
    const first = await rejection(trusted.resolve({ extensions: { persistedQuery } }));
    expect(first.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(await trusted.resolve({ query, extensions: { persistedQuery } })).toEqual({ query, trusted: false });
    expect(await trusted.resolve({ extensions: { persistedQuery } })).toEqual({ query, trusted: false });
    expect((await rejection(trusted.resolve({ extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }))).message).toBe(
      'extensions.persistedQuery.version must be 1 (Apollo automatic persisted queries).',
    );
  });

  it('in require mode never registers APQ hashes, and refuses arbitrary documents except introspection, delegated reads, and admins when allowed', async () => {
    const trusted = documents('require');
    const query = '{ workflows(first: 2) { id } }';
    await trusted.resolve({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } } });
    expect((await rejection(trusted.resolve({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } } }))).extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    const refused = trusted.refusal(parse(query), undefined, operator);
    expect(refused?.message).toBe(
      'This gateway runs only trusted documents (TRUSTED_DOCUMENTS=require): send a registered operation by its "documentId" instead of arbitrary query text.',
    );
    expect(refused?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_REQUIRED' });
    expect(trusted.refusal(parse('{ __schema { types { name } } __typename }'), undefined, operator)).toBeUndefined();
    expect(trusted.refusal(parse(query), undefined, { ...operator, via: ['bi'] })).toBeUndefined();
    expect(trusted.refusal(parse('mutation { deleteWorkflow(id: "x") }'), undefined, { ...operator, via: ['chat'] })).toBeDefined();
    expect(trusted.refusal(parse(query), undefined, admin)).toBeDefined();
    expect(documents('require', true).refusal(parse(query), undefined, admin)).toBeUndefined();
    expect(documents('require', true).refusal(parse(query), undefined, operator)).toBeDefined();
  });

  it('in off mode takes only text', async () => {
    const trusted = documents('off');
    expect(await trusted.resolve({ query: body, documentId: `sha256:${sha256Hex(body)}` })).toEqual({ query: body, trusted: false });
    expect((await rejection(trusted.resolve({ documentId: `sha256:${sha256Hex(body)}` }))).message).toBe(
      'Persisted documents are turned off on this gateway (TRUSTED_DOCUMENTS=off): send the document itself in "query".',
    );
    expect(trusted.refusal(parse('{ workflows { id } }'), undefined, operator)).toBeUndefined();
  });
});
