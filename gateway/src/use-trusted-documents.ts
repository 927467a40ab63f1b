import type { Identity } from '@judgify/runtime/identity';
import { parse, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { DocumentParams, TrustedDocuments } from './trusted-documents.ts';

/**
 * Resolves `documentId` and APQ hashes to their documents before anything parses them, and in
 * `require` mode refuses, before execution, documents no manifest vouches for (with the
 * exceptions TrustedDocuments allows). GET requests carry `documentId` in the URL.
 */
export function useTrustedDocuments(trusted: TrustedDocuments, identify: (request: Request) => Promise<Identity | undefined>): Plugin {
  return {
    async onParams({ params, request, setParams }) {
      const given = params as DocumentParams;
      const documentId = given.documentId ?? new URL(request.url).searchParams.get('documentId') ?? undefined;
      const resolved = await trusted.resolve({ ...given, documentId });
      const { documentId: _documentId, ...rest } = given;
      setParams({ ...rest, query: resolved.query || given.query } as typeof params);
      if (resolved.trusted || trusted.mode !== 'require' || !resolved.query) return;
      let document: DocumentNode;
      try {
        document = parse(resolved.query, { maxTokens: 5_000 });
      } catch {
        // Not a document at all: the parser says why, right after this.
        return;
      }
      const refusal = trusted.refusal(document, params.operationName, await identify(request).catch(() => undefined));
      if (refusal) throw refusal;
    },
  };
}
