/**
 * The spec's minimal workflow: `{temperature: 90, vibration: 60}` decides STOP_LINE on the rule
 * path. The explorer opens on it, and tests use it.
 */
export const exampleWorkflowDefinition = {
  startNode: 'check',
  nodes: [
    { id: 'check', type: 'judgment', rule: 'temperature > 80 AND vibration > 50' },
    { id: 'stop', type: 'output', decision: 'STOP_LINE' },
    { id: 'ok', type: 'output', decision: 'OK' },
  ],
  edges: [
    { from: 'check', to: 'stop', when: 'true' },
    { from: 'check', to: 'ok', when: 'false' },
  ],
};
