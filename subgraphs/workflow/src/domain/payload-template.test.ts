import { describe, expect, it } from 'vitest';
import { defaultNotificationPayload, renderTemplate, type TemplateContext } from './payload-template.ts';

const context: TemplateContext = {
  execution: {
    executionId: 'e-1',
    workflowId: 'w-1',
    workflowName: 'Line 3',
    workflowVersion: 4,
    decision: 'STOP_LINE',
    confidence: 0.93,
    explanation: 'check: true',
    occurredAt: '2026-12-01T09:00:00.000Z',
  },
  input: { line: 3, temperature: 91.5, sensor: { id: 'T-7', zone: { name: 'north' } }, tags: ['hot'] },
};

describe('payload templates', () => {
  it('fill placeholders from the execution and the input, keeping a lone placeholder’s type', () => {
    const rendered = renderTemplate(
      {
        text: 'Line {{line}}: {{ decision }} ({{confidence}}) — {{sensor.zone.name}} / {{input.sensor.id}}',
        temperature: '{{temperature}}',
        version: '{{workflowVersion}}',
        tags: '{{tags}}',
        nested: [{ at: '{{occurredAt}}', flag: true, n: 2 }],
      },
      context,
    );
    expect(rendered).toEqual({
      payload: {
        text: 'Line 3: STOP_LINE (0.93) — north / T-7',
        temperature: 91.5,
        version: 4,
        tags: ['hot'],
        nested: [{ at: '2026-12-01T09:00:00.000Z', flag: true, n: 2 }],
      },
      missing: [],
    });
  });

  it('render a placeholder with nothing to fill it as null, and say which', () => {
    expect(renderTemplate({ a: '{{nowhere}}', b: 'x {{sensor.missing}} y', c: '{{nowhere}}' }, context)).toEqual({
      payload: { a: null, b: 'x null y', c: null },
      missing: ['nowhere', 'sensor.missing'],
    });
  });

  it('never reach into what an object inherits', () => {
    expect(renderTemplate('{{constructor}} {{toString}}', context)).toEqual({ payload: 'null null', missing: ['constructor', 'toString'] });
  });

  it('default a notification to a Slack-compatible message', () => {
    expect(defaultNotificationPayload(context)).toEqual({ text: 'Judgify: "Line 3" decided STOP_LINE (confidence 0.93) — execution e-1' });
  });
});
