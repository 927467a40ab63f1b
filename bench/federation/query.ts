import { buildSchema, graphqlSync } from 'graphql';
import { inStock, products, REVIEW_AUTHOR_ID, reviews, REVIEWS_PER_USER, users, type Review } from './data.ts';

/** The benchmark's operation (its k6 script's `TestQuery`): four subgraphs, entity fetches several levels deep. */
export const BENCH_QUERY = /* GraphQL */ `fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}
`;

/**
 * The answer every gateway must give, as JSON text: the same operation run by graphql-js on one
 * plain, unfederated schema over the same rows, so no gateway (nor the federation machinery) is
 * its own reference.
 */
export function expectedResponse(): string {
  const schema = buildSchema(/* GraphQL */ `
    type Query {
      users: [User]
      topProducts(first: Int = 5): [Product]
    }
    type User {
      id: ID!
      name: String
      username: String
      birthday: Int
      reviews: [Review]
    }
    type Product {
      upc: String!
      name: String
      price: Int
      weight: Int
      inStock: Boolean
      shippingEstimate: Int
      reviews: [Review]
    }
    type Review {
      id: ID!
      body: String
      product: Product
      author: User
    }
  `);
  // graphql-js's default resolver calls a function-valued property: each object resolves lazily.
  const user = (id: string): object => ({ ...users.find((row) => row.id === id)!, reviews: () => reviews.slice(0, REVIEWS_PER_USER).map(review) });
  const product = (upc: string): object => ({
    ...products.find((row) => row.upc === upc)!,
    inStock: inStock[upc],
    shippingEstimate: null, // the inventory's rows have no price or weight (see data.ts)
    reviews: () => reviews.filter((row) => row.productUpc === upc).map(review),
  });
  const review = (row: Review): object => ({ id: row.id, body: row.body, product: () => product(row.productUpc), author: () => user(REVIEW_AUTHOR_ID) });
  const rootValue = {
    users: () => users.map((row) => user(row.id)),
    topProducts: ({ first }: { first: number }) => products.slice(0, first).map((row) => product(row.upc)),
  };
  const result = graphqlSync({ schema, source: BENCH_QUERY, rootValue });
  if (result.errors) throw new Error(`the federation bench's reference answer failed: ${result.errors.map((error) => error.message).join('; ')}`);
  return JSON.stringify(result);
}
