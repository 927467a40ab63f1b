import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * Stock `@apollo/gateway` under `@apollo/server`'s standalone server, configured as the
 * benchmark's own `gateways/apollo-gateway` is (nothing but the supergraph), in one process:
 * SUPERGRAPH_PATH, PORT.
 */
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8') });
// @apollo/server 5 types the gateway interface of @apollo/server-gateway-interface 2; @apollo/gateway 2 implements 1, which is the same at run time.
const server = new ApolloServer({ gateway: gateway as never });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' } });
process.stdout.write(`${JSON.stringify({ msg: 'stock @apollo/gateway ready', url })}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
