import { readFileSync } from 'node:fs';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { exampleWorkflowDefinition } from '@judgify/runtime/example-workflow';
import type { GraphiQLOptions } from 'graphql-yoga';
import { PREFLIGHT_HEADERS } from './use-csrf-prevention.ts';

const operation = (file: string) => readFileSync(new URL(`../operations/${file}`, import.meta.url), 'utf8');

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** The explorer's query every role may run, also when only trusted documents run. */
export const EXPLORER_DEFAULT_QUERY = operation('recent-workflows.graphql');

/**
 * GraphiQL on the supergraph, its assets inlined (no CDN: it works offline), opening on the spec's
 * example, then a live feed and a plain read. With tokens verified, every tab starts with an
 * Authorization header to paste one into.
 */
export function explorerOptions(verifiesTokens: boolean): GraphiQLOptions {
  const headers = verifiesTokens ? json({ Authorization: 'Bearer <paste your token here>' }) : undefined;
  const example = {
    // Both steps in one tab, sharing one variables object: each operation reads only its own.
    query: `${operation('explorer-create-example-workflow.graphql')}\n${operation('explorer-judge-example.graphql')}`,
    variables: json({
      input: { name: 'Line 3 overheating', description: 'The spec example', definition: exampleWorkflowDefinition },
      judgment: { workflowId: '<the id CreateExampleWorkflow returned>', inputData: { temperature: 90, vibration: 60 } },
    }),
    headers,
  };
  const tabs = [
    example,
    { query: operation('explorer-live-judgments.graphql'), variables: json({}), headers },
    { query: EXPLORER_DEFAULT_QUERY, variables: null, headers },
  ];
  return {
    // GraphiQL fills the first tab's variables editor from `variables`, not from the tab itself.
    ...({ variables: tabs[0]!.variables } as GraphiQLOptions),
    title: 'Judgify supergraph',
    subscriptionsProtocol: 'WS',
    // The explorer sends the CSRF header and subscribes over graphql-ws, so it works with both guards on.
    additionalHeaders: { [PREFLIGHT_HEADERS[1]]: 'true' },
    defaultEditorToolsVisibility: verifiesTokens ? 'headers' : 'variables',
    ...(headers ? { defaultHeaders: headers } : {}),
    defaultQuery: EXPLORER_DEFAULT_QUERY,
    defaultTabs: tabs,
    // A token pasted into the headers editor stays in the page, never in localStorage.
    shouldPersistHeaders: false,
  };
}

export { renderGraphiQL as renderExplorer };
