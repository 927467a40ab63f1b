import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLError } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** The `rover supergraph compose` config format, the parts we use. */
const supergraphConfigSchema = z.object({
  federation_version: z.union([z.string(), z.number()]).transform(String),
  subgraphs: z.record(
    z.string().regex(/^[a-z][a-z0-9_-]*$/i, 'subgraph names are letters, digits, "_" and "-"'),
    z.object({
      routing_url: z.string().url(),
      schema: z.object({ file: z.string().min(1) }),
    }),
  ),
});

export type SupergraphConfig = z.infer<typeof supergraphConfigSchema>;

export class CompositionError extends Error {
  constructor(readonly problems: string[]) {
    super(`supergraph composition failed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export function readSupergraphConfig(path: string): SupergraphConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CompositionError([`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const result = supergraphConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new CompositionError(result.error.issues.map((issue) => `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

function describe(error: GraphQLError): string {
  const code = error.extensions?.code ? `[${String(error.extensions.code)}] ` : '';
  return `${code}${error.message}`;
}

/**
 * Composes the supergraph from the subgraph schema files named in the config. Every problem
 * names its subgraph (and type, when composition knows it).
 */
export function composeSupergraph(configPath: string, routingUrlOverrides: Record<string, string> = {}): string {
  const config = readSupergraphConfig(configPath);
  const baseDir = dirname(resolve(configPath));
  const problems: string[] = [];
  const services = Object.entries(config.subgraphs).flatMap(([name, subgraph]) => {
    const file = resolve(baseDir, subgraph.schema.file);
    try {
      return [{ name, url: routingUrlOverrides[name] ?? subgraph.routing_url, typeDefs: parse(readFileSync(file, 'utf8')) }];
    } catch (error) {
      problems.push(`[${name}] ${file}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  });
  if (problems.length) throw new CompositionError(problems);
  const result = composeServices(services);
  if (result.errors) throw new CompositionError(result.errors.map(describe));
  return result.supergraphSdl;
}
