import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ScopeAuthPlugin, { type AuthFailure } from '@pothos/plugin-scope-auth';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { AppError } from './errors.ts';
import { hasRole, type Role } from './identity.ts';
import { isStorableDate } from './validation.ts';
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

const storable = (date: Date): Date => {
  if (!isStorableDate(date)) throw new GraphQLError(`DateTime must be between the years 0001 and 9999; got ${date.toISOString()}.`);
  return date;
};

/** graphql-scalars' DateTime, narrowed to the dates the database can store. */
const DateTime = new GraphQLScalarType<Date, Date>({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => storable(DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => storable(DateTimeResolver.parseLiteral(ast, variables)),
});

function scopesIn(failure: AuthFailure): string[] {
  if (failure.kind === 'AuthScope') return [failure.scope];
  if (failure.kind === 'AnyAuthScopes' || failure.kind === 'AllAuthScopes') return failure.failures.flatMap(scopesIn);
  return [];
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
      // A subscriber without the role is refused when it subscribes, not silently on each event.
      authorizeOnSubscribe: true,
      unauthorizedError: (_parent, context, info, result) => {
        const needed = [...new Set(scopesIn(result.failure))].join(' or ') || 'another role';
        return new AppError(
          'FORBIDDEN',
          `${info.parentType.name}.${info.fieldName} requires the ${needed} role; you have [${context.identity.roles.join(', ')}].`,
        );
      },
    },
  });
  builder.addScalarType('JSON', JSONResolver);
  builder.addScalarType('DateTime', DateTime);
  return builder;
}
