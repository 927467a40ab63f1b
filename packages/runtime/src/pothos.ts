import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { AppError } from './errors.ts';
import { hasRole, type Role } from './identity.ts';
import type { RequestContext } from './subgraph-yoga.ts';

export interface SubgraphSchemaTypes<TContext extends RequestContext> {
  Context: TContext;
  AuthScopes: Record<Role, boolean>;
  DefaultFieldNullability: false;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date };
  };
}

/**
 * The builder every subgraph starts from: role scopes (viewer < operator < admin), the JSON and
 * DateTime scalars of the core contract, and federation. Scope auth is listed before federation
 * because it wraps resolvers.
 */
export function createSubgraphBuilder<TContext extends RequestContext>() {
  const builder = new SchemaBuilder<SubgraphSchemaTypes<TContext>>({
    plugins: [ScopeAuthPlugin, DirectivesPlugin, FederationPlugin],
    defaultFieldNullability: false,
    scopeAuth: {
      authScopes: (context) => ({
        viewer: hasRole(context.identity, 'viewer'),
        operator: hasRole(context.identity, 'operator'),
        admin: hasRole(context.identity, 'admin'),
      }),
      unauthorizedError: (_parent, context, info) =>
        new AppError(
          'FORBIDDEN',
          `${info.parentType.name}.${info.fieldName} is not allowed for roles [${context.identity.roles.join(', ')}]: it requires a higher role.`,
        ),
    },
  });
  builder.addScalarType('JSON', JSONResolver);
  builder.addScalarType('DateTime', DateTimeResolver);
  return builder;
}
