import { writeFileSync } from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import { schema } from './schema/index.ts';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSubgraphSchema(schema));
