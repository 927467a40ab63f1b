import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';

/** This repository's composed supergraph, kept fresh by `npm run compose -- --check`. */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL('../../../supergraph.graphql', import.meta.url));

/** The schema clients see through the gateway (the supergraph without its join machinery): what a view's query is checked against. */
export function loadApiSchema(supergraphPath: string): GraphQLSchema {
  let sdl: string;
  try {
    sdl = readFileSync(supergraphPath, 'utf8');
  } catch (error) {
    throw new Error(`cannot read SUPERGRAPH_PATH ${supergraphPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
}
