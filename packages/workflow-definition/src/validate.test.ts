import { describe, expect, it } from 'vitest';
import { validateDefinition, type RuleChecker } from './validate.ts';

const valid = () => ({
  startNode: 'check',
  nodes: [
    { id: 'check', type: 'judgment', rule: 'temperature > 80 AND vibration > 50' },
    { id: 'notify', type: 'action', action: 'notification', url: 'https://hooks.example.com/ops', payloadTemplate: { text: 'stop {{line}}' } },
    { id: 'stop', type: 'output', decision: 'STOP_LINE' },
    { id: 'ok', type: 'output', decision: 'OK' },
  ],
  edges: [
    { from: 'check', to: 'notify', when: 'true' },
    { from: 'notify', to: 'stop' },
    { from: 'check', to: 'ok', when: 'false' },
  ],
});

const problemsOf = (definition: unknown, checkRule?: RuleChecker) => {
  const result = validateDefinition(definition, { checkRule });
  return result.ok ? [] : result.problems;
};

describe('workflow definition validation', () => {
  it('accepts a well-formed definition', () => {
    expect(validateDefinition(valid())).toEqual({ ok: true, definition: valid() });
  });

  it.each([
    ['not an object', 'nope', [{ path: 'definition', message: 'must be an object { startNode, nodes, edges }' }]],
    ['unknown top-level fields', { ...valid(), edge: [] }, [{ path: 'definition.edge', message: 'unknown field "edge"; a definition has startNode, nodes and edges' }]],
    ['nodes not a list', { ...valid(), nodes: {} }, [{ path: 'definition.nodes', message: 'must be a list of nodes' }]],
  ])('rejects %s', (_case, definition, expected) => {
    expect(problemsOf(definition)).toEqual(expect.arrayContaining(expected));
  });

  it('requires a start node that exists', () => {
    expect(problemsOf({ ...valid(), startNode: 'missing' })).toEqual([{ path: 'definition.startNode', message: 'no node has id "missing"' }]);
    expect(problemsOf({ ...valid(), startNode: undefined })).toEqual([
      { path: 'definition.startNode', message: 'is required: the id of the node the walk starts at' },
    ]);
  });

  it('requires unique, well-formed node ids', () => {
    const definition = valid();
    definition.nodes.push({ id: 'ok', type: 'output', decision: 'AGAIN' });
    definition.nodes.push({ id: 'has space', type: 'output', decision: 'X' });
    expect(problemsOf(definition)).toEqual([
      { path: 'definition.nodes[4].id', message: 'another node already has id "ok"; node ids must be unique' },
      { path: 'definition.nodes[5].id', message: 'is required: 1–64 letters, digits, "_", "-", "." or ":"' },
    ]);
  });

  it('allows at most 100 nodes and at least one', () => {
    const nodes = Array.from({ length: 101 }, (_, n) => ({ id: `out${n}`, type: 'output', decision: 'X' }));
    expect(problemsOf({ startNode: 'out0', nodes, edges: [] })).toEqual([
      { path: 'definition.nodes', message: 'a workflow has at most 100 nodes; this one has 101' },
    ]);
    expect(problemsOf({ startNode: 'a', nodes: [], edges: [] })).toEqual([
      { path: 'definition.nodes', message: 'a workflow needs at least one node' },
    ]);
  });

  it('names edges whose endpoints do not exist', () => {
    const definition = valid();
    definition.edges.push({ from: 'check', to: 'nowhere', when: 'true' }, { from: 'ghost', to: 'ok' } as never);
    expect(problemsOf(definition)).toEqual([
      { path: 'definition.edges[3].to', message: 'no node has id "nowhere"' },
      { path: 'definition.edges[4].from', message: 'no node has id "ghost"' },
    ]);
  });

  it('finds cycles and names the edge that closes each', () => {
    const definition = {
      startNode: 'a',
      nodes: [
        { id: 'a', type: 'judgment', rule: 'x > 1' },
        { id: 'b', type: 'action', action: 'log' },
        { id: 'end', type: 'output', decision: 'DONE' },
      ],
      edges: [
        { from: 'a', to: 'b', when: 'true' },
        { from: 'b', to: 'a' },
        { from: 'a', to: 'end', when: 'false' },
      ],
    };
    expect(problemsOf(definition)).toEqual([{ path: 'definition.edges[1]', message: 'closes a cycle "a" → "b" → "a"; a workflow must not loop' }]);
    const selfLoop = { ...definition, edges: [{ from: 'a', to: 'a', when: 'true' }, { from: 'a', to: 'end', when: 'false' }, { from: 'b', to: 'end' }] };
    expect(problemsOf(selfLoop)).toEqual([{ path: 'definition.edges[0]', message: 'closes a cycle "a" → "a"; a workflow must not loop' }]);
  });

  it('requires a meaningful "when" on every edge out of a judgment, one edge per outcome', () => {
    const definition = valid();
    definition.edges[2] = { from: 'check', to: 'ok', when: 'maybe' };
    definition.edges.push({ from: 'check', to: 'stop', when: 'true' }, { from: 'check', to: 'stop' } as never);
    expect(problemsOf(definition)).toEqual([
      { path: 'definition.edges[2].when', message: '"maybe" is not an outcome of "check"; use one of "true", "false"' },
      { path: 'definition.edges[3].when', message: 'edges[0] already routes outcome "true" of "check"; each outcome goes one way' },
      { path: 'definition.edges[4].when', message: 'is required on edges out of judgment node "check": one of "true", "false"' },
      { path: 'definition.nodes[0]', message: 'judgment node "check" has a rule but no edge for outcome "false"' },
    ]);
  });

  it('routes declared labels of a judgment node an LLM may decide', () => {
    const definition = valid();
    Object.assign(definition.nodes[0] as Record<string, unknown>, { labels: ['unsure'], criteria: 'is the line overheating?' });
    definition.edges.push({ from: 'check', to: 'ok', when: 'unsure' });
    expect(problemsOf(definition)).toEqual([]);
    (definition.nodes[0] as Record<string, unknown>).labels = ['true'];
    expect(problemsOf(definition)[0]?.path).toBe('definition.nodes[0].labels');
  });

  it('refuses labels on a rule-only node, and a rule without both ways routed', () => {
    const labelled = valid();
    (labelled.nodes[0] as Record<string, unknown>).labels = ['HIGH'];
    expect(problemsOf(labelled)).toContainEqual({
      path: 'definition.nodes[0].labels',
      message: 'only an LLM answers with labels; a rule decides "true" or "false" (use method "llm" or "hybrid")',
    });
    const oneWay = valid();
    oneWay.edges = oneWay.edges.filter((edge) => edge.when !== 'false');
    expect(problemsOf(oneWay)).toEqual([{ path: 'definition.nodes[0]', message: 'judgment node "check" has a rule but no edge for outcome "false"' }]);
  });

  it('treats inherited names as unknown node types', () => {
    const definition = valid();
    for (const type of ['constructor', 'toString', '__proto__']) {
      (definition.nodes[2] as Record<string, unknown>).type = type;
      expect(problemsOf(definition), type).toContainEqual({ path: 'definition.nodes[2].type', message: 'must be one of "judgment", "action", "output"' });
    }
  });

  it('keeps "when" off action edges, gives actions one next node, and ends at outputs', () => {
    const definition = valid();
    definition.edges.push({ from: 'notify', to: 'ok', when: 'true' }, { from: 'stop', to: 'ok' } as never);
    expect(problemsOf(definition)).toEqual([
      { path: 'definition.edges[3].when', message: '"notify" is an action node; actions do not decide, so its edge takes no "when"' },
      { path: 'definition.edges[3]', message: 'action node "notify" already continues at edges[1]; an action has one next node' },
      { path: 'definition.edges[4].from', message: '"stop" is an output node; the walk ends there, so it cannot have outgoing edges' },
    ]);
  });

  it('requires judgment and action nodes to lead somewhere', () => {
    const definition = valid();
    definition.edges = [{ from: 'check', to: 'ok', when: 'false' }];
    expect(problemsOf(definition)).toEqual([
      { path: 'definition.nodes[0]', message: 'judgment node "check" has a rule but no edge for outcome "true"' },
      { path: 'definition.nodes[1]', message: 'action node "notify" has no outgoing edge; the walk would stop without a decision' },
    ]);
  });

  it('checks each node kind’s own fields', () => {
    const definition = {
      startNode: 'j',
      nodes: [
        { id: 'j', type: 'judgment', method: 'llm', rule: 'a > 1', threshold: 2, colour: 'red' },
        { id: 'k', type: 'judgment' },
        { id: 'h', type: 'action', action: 'webhook', url: 'ftp://example.com' },
        { id: 'o', type: 'output', decision: '' },
        { id: 'x', type: 'decision' },
        { id: 't', type: 'action', action: 'webhook', target: 'ops pager!' },
        { id: 'u', type: 'action', action: 'notification', target: 'ops-pager' },
      ],
      edges: [
        { from: 'j', to: 'o', when: 'true' },
        { from: 'k', to: 'o', when: 'true' },
        { from: 'h', to: 'o' },
        { from: 't', to: 'o' },
        { from: 'u', to: 'o' },
      ],
    };
    expect(problemsOf(definition)).toEqual([
      { path: 'definition.nodes[0].colour', message: 'unknown field "colour" for a judgment node' },
      { path: 'definition.nodes[0].criteria', message: 'is required for method "llm"' },
      { path: 'definition.nodes[0].threshold', message: 'must be a number from 0 to 1' },
      { path: 'definition.nodes[1]', message: 'a judgment node needs a "rule", LLM "criteria", or both' },
      { path: 'definition.nodes[2].url', message: 'is required for a webhook without a "target": an http(s) URL' },
      { path: 'definition.nodes[3].decision', message: 'is required: the decision label, 1–200 characters' },
      { path: 'definition.nodes[4].type', message: 'must be one of "judgment", "action", "output"' },
      { path: 'definition.nodes[5].target', message: 'must be the name of an action target: 1-64 letters, digits, "_", "-" or "."' },
    ]);
  });

  it('bounds the nesting of an action payload template', () => {
    const definition = valid();
    let template: unknown = 'text';
    for (let level = 0; level < 17; level++) template = { level: template };
    (definition.nodes[1] as Record<string, unknown>).payloadTemplate = template;
    expect(problemsOf(definition)).toEqual([{ path: 'definition.nodes[1].payloadTemplate', message: 'is nested more than 16 levels deep' }]);
  });

  it('reports rules that do not parse, with the position the rule language gives', () => {
    const checkRule: RuleChecker = (expression) => (expression.includes('>>') ? { message: 'unexpected ">"', line: 1, column: 14 } : null);
    const definition = valid();
    definition.nodes[0] = { id: 'check', type: 'judgment', rule: 'temperature >> 80' };
    expect(problemsOf(definition, checkRule)).toEqual([
      { path: 'definition.nodes[0].rule', message: 'does not parse (line 1, column 14): unexpected ">"' },
    ]);
  });

  it('reports every problem at once', () => {
    const definition = { startNode: 'nope', nodes: [{ id: 'a', type: 'output' }, { id: 'a', type: 'output', decision: 'X' }], edges: [{ from: 'a', to: 'b' }] };
    expect(problemsOf(definition).map((problem) => problem.path)).toEqual([
      'definition.nodes[0].decision',
      'definition.nodes[1].id',
      'definition.startNode',
      'definition.edges[0].to',
    ]);
  });
});
