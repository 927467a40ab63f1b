/** The rows a chart draws: the data at a view's dotted `dataPath`, as a list (a single object is one row). */
export function rowsAt(data: unknown, dataPath: string | null | undefined): Record<string, unknown>[] {
  let value: unknown = data;
  for (const key of (dataPath ?? '').split('.').filter(Boolean)) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (Array.isArray(value)) return value.filter((row): row is Record<string, unknown> => Boolean(row) && typeof row === 'object');
  return value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
}

/** The dataset every view's chart spec draws (`"data": {"name": "rows"}`). */
export const ROWS_DATASET = 'rows';
