import { createSubgraphBuilder } from '@judgify/runtime/pothos';
import type { Context } from './context.ts';

export const builder = createSubgraphBuilder<Context>();

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
