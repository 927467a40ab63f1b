import { serviceOperation } from '@judgify/runtime/supergraph-client';

const operation = (name: string) => serviceOperation(new URL(`../operations/${name}.graphql`, import.meta.url));

export const LEARNING_EXECUTION = operation('learning-execution');
export const PROMOTION_WORKFLOW = operation('promotion-workflow');
export const PROMOTE_RULE = operation('promote-rule');
