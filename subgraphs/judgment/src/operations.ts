import { serviceOperation } from '@judgify/runtime/supergraph-client';

export const FEW_SHOT_SAMPLES = serviceOperation(new URL('../operations/few-shot-samples.graphql', import.meta.url));
