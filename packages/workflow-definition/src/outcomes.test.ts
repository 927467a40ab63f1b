import { describe, expect, it } from 'vitest';
import { outcomesOfDecisions } from './outcomes.ts';

describe('outcomes of decisions', () => {
  it('maps each decision to the one outcome of the node that leads to it', () => {
    const definition = {
      startNode: 'hot',
      nodes: [
        { id: 'hot', type: 'judgment' as const, rule: 'temperature > 80' },
        { id: 'shaking', type: 'judgment' as const, rule: 'vibration > 50' },
        { id: 'page', type: 'action' as const, action: 'log' as const },
        { id: 'stop', type: 'output' as const, decision: 'STOP_LINE' },
        { id: 'watch', type: 'output' as const, decision: 'WATCH' },
        { id: 'ok', type: 'output' as const, decision: 'OK' },
      ],
      edges: [
        { from: 'hot', to: 'shaking', when: 'true' },
        { from: 'hot', to: 'ok', when: 'false' },
        { from: 'shaking', to: 'page', when: 'true' },
        { from: 'page', to: 'stop' },
        { from: 'shaking', to: 'watch', when: 'false' },
      ],
    };
    expect(outcomesOfDecisions(definition, 'hot')).toEqual({ STOP_LINE: 'true', WATCH: 'true', OK: 'false' });
    expect(outcomesOfDecisions(definition, 'shaking')).toEqual({ STOP_LINE: 'true', WATCH: 'false' });
    // OK is reachable only without passing the second node: it says nothing about it.
    expect(outcomesOfDecisions(definition, 'page')).toEqual({});
  });
});
