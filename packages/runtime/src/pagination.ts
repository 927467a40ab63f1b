import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { AppError } from './errors.ts';
import { isStorableDate, isUuid } from './validation.ts';

export const MAX_PAGE_SIZE = 100;

/** Position of a row in a (createdAt desc, id desc) ordering; opaque to clients. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

/** The position an `after` argument names; undefined when there is none. */
export function decodeCursor(after: string | null | undefined): Cursor | undefined {
  if (!after) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(createdAt));
    // The id is compared with a uuid column: a forged one must stop here, not fail in SQL.
    if (typeof id === 'string' && isUuid(id) && isStorableDate(date)) return { createdAt: date, id };
  } catch {
    // falls through to the error below
  }
  throw new AppError('BAD_USER_INPUT', '"after" is not a cursor returned by this API; pass the cursor of the last item you received.', {
    field: 'after',
  });
}

export function pageSize(first: number | null | undefined, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new AppError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_PAGE_SIZE}; got ${size}.`, { field: 'first' });
  }
  return size;
}

/** Rows after the cursor in a (createdAt, id) ordering: older ones when descending, newer when ascending. */
export function afterCursor(columns: { createdAt: AnyColumn; id: AnyColumn }, cursor: Cursor | undefined, direction: 'desc' | 'asc'): SQL | undefined {
  if (!cursor) return undefined;
  return afterPosition(columns, cursor.createdAt.toISOString(), cursor.id, direction);
}

/** `afterCursor` in a prepared statement: the cursor's parts are the `afterCreatedAt` and `afterId` placeholders. */
export function afterCursorPlaceholders(columns: { createdAt: AnyColumn; id: AnyColumn }, direction: 'desc' | 'asc'): SQL {
  return afterPosition(columns, sql.placeholder('afterCreatedAt'), sql.placeholder('afterId'), direction);
}

function afterPosition(columns: { createdAt: AnyColumn; id: AnyColumn }, createdAt: unknown, id: unknown, direction: 'desc' | 'asc'): SQL {
  const position = sql`(${createdAt}::timestamptz, ${id}::uuid)`;
  return direction === 'desc'
    ? sql`(${columns.createdAt}, ${columns.id}) < ${position}`
    : sql`(${columns.createdAt}, ${columns.id}) > ${position}`;
}

/** Rows in the order of the ids a DataLoader asked for, null where a row is missing or hidden. */
export function inIdOrder<TRow extends { id: string }>(ids: readonly string[], rows: readonly TRow[]): Array<TRow | null> {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}
