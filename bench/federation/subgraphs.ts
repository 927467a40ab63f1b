import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type DocumentNode } from 'graphql';
import { inStock, products, REVIEW_AUTHOR_ID, reviews, REVIEWS_PER_USER, TOP_PRODUCTS_DEFAULT, users, type Product } from './data.ts';

/**
 * The benchmark's four subgraphs as Federation 2 schemas with their resolvers, for
 * `buildSubgraphSchema` (each served by `subgraph-server.ts` in a process of its own) and for
 * composing the supergraph (`supergraph.ts`).
 */
export interface BenchSubgraph {
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<unknown>;
}

export const subgraphNames = ['accounts', 'inventory', 'products', 'reviews'] as const;
export type BenchSubgraphName = (typeof subgraphNames)[number];

const link = (imports: string[]) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ${JSON.stringify(imports)})`;

const userById = (id: string) => users.find((user) => user.id === id) ?? null;
const productByUpc = (upc: string) => products.find((product) => product.upc === upc) ?? null;

/** What the inventory service computes from its own row of a product (see data.ts: it has no price or weight, so null). */
function shippingEstimate(row: { price?: number | null; weight?: number | null }): number | null {
  if (row.price == null) return null;
  if (row.price > 1000) return 0;
  return row.weight == null ? null : Math.floor(row.weight / 2);
}

export const subgraphs: Record<BenchSubgraphName, BenchSubgraph> = {
  accounts: {
    typeDefs: parse(/* GraphQL */ `
      ${link(['@key', '@shareable'])}
      type Query {
        me: User
        user(id: ID!): User
        users: [User]
      }
      type User @key(fields: "id") {
        id: ID!
        name: String
        # The reviews subgraph provides it on review authors.
        username: String @shareable
        birthday: Int
      }
    `),
    resolvers: {
      Query: {
        me: () => users[0],
        user: (_: unknown, { id }: { id: string }) => userById(id),
        users: () => users,
      },
      User: { __resolveReference: ({ id }: { id: string }) => userById(id) },
    },
  },
  inventory: {
    typeDefs: parse(/* GraphQL */ `
      ${link(['@key', '@external', '@requires'])}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }
    `),
    resolvers: {
      Product: {
        // As the benchmark's service does: its own row, whatever price and weight the representation carries.
        __resolveReference: ({ upc }: { upc: string }) => ({ upc, inStock: inStock[upc] ?? null, price: null, weight: null }),
        shippingEstimate,
      },
    },
  },
  products: {
    typeDefs: parse(/* GraphQL */ `
      ${link(['@key'])}
      type Query {
        topProducts(first: Int = ${TOP_PRODUCTS_DEFAULT}): [Product]
      }
      type Product @key(fields: "upc") {
        upc: String!
        name: String
        price: Int
        weight: Int
      }
    `),
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => products.slice(0, first) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => productByUpc(upc) },
    },
  },
  reviews: {
    typeDefs: parse(/* GraphQL */ `
      ${link(['@key', '@external', '@provides'])}
      type Review @key(fields: "id") {
        id: ID!
        body: String
        product: Product
        author: User @provides(fields: "username")
      }
      type User @key(fields: "id") {
        id: ID!
        username: String @external
        reviews: [Review]
      }
      type Product @key(fields: "upc") {
        upc: String!
        reviews: [Review]
      }
    `),
    resolvers: {
      Review: {
        __resolveReference: ({ id }: { id: string }) => reviews.find((review) => review.id === id) ?? null,
        product: (review: { productUpc: string }) => ({ upc: review.productUpc }),
        author: () => ({ id: REVIEW_AUTHOR_ID, username: userById(REVIEW_AUTHOR_ID)?.username }),
      },
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        reviews: () => reviews.slice(0, REVIEWS_PER_USER),
      },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        reviews: (product: Pick<Product, 'upc'>) => reviews.filter((review) => review.productUpc === product.upc),
      },
    },
  },
};
