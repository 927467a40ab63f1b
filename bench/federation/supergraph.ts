import { composeServices } from '@apollo/composition';
import { subgraphNames, subgraphs, type BenchSubgraphName } from './subgraphs.ts';

/** The benchmark's supergraph, composed with @apollo/composition as the gateway's own is, routed to where each bench subgraph listens. */
export function composeBenchSupergraph(urls: Record<BenchSubgraphName, string>): string {
  const result = composeServices(subgraphNames.map((name) => ({ name, url: urls[name], typeDefs: subgraphs[name].typeDefs })));
  if (result.errors) throw new Error(`the federation bench's supergraph does not compose:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  return result.supergraphSdl;
}
