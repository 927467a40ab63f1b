const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Input data from values keyed by the dotted paths rules read (`Workflow.inputFields`):
 * `{ "sensor.temp": 90 }` → `{ sensor: { temp: 90 } }`; a number segment is a list index.
 * No lexer here, so the web console can bundle it.
 */
export function inputDataFrom(values: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    const segments = path.split('.');
    // Paths name data, never the objects' own machinery.
    if (segments.some((segment) => FORBIDDEN_SEGMENTS.has(segment))) continue;
    let container: Record<string, unknown> | unknown[] = root;
    segments.forEach((segment, position) => {
      const key = /^\d+$/.test(segment) && Array.isArray(container) ? Number(segment) : segment;
      const slots = container as Record<string | number, unknown>;
      if (position === segments.length - 1) {
        slots[key] = value;
        return;
      }
      const next = slots[key];
      if (next === null || typeof next !== 'object') slots[key] = /^\d+$/.test(segments[position + 1]!) ? [] : {};
      container = slots[key] as Record<string, unknown> | unknown[];
    });
  }
  return root;
}
