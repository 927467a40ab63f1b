import { PgDialect, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { afterCursor, afterCursorPlaceholders } from './pagination.ts';

const rows = pgTable('rows', { id: uuid('id').primaryKey(), createdAt: timestamp('created_at').notNull() });

describe('a page after a cursor', () => {
  it('compares the same in a prepared statement as with the cursor’s values, in both directions', () => {
    const dialect = new PgDialect();
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '0b6a4f3e-8d1c-4c5e-9a7b-2f1e3d4c5b6a' };
    for (const direction of ['desc', 'asc'] as const) {
      const literal = dialect.sqlToQuery(afterCursor(rows, cursor, direction)!);
      const prepared = dialect.sqlToQuery(afterCursorPlaceholders(rows, direction));
      expect(prepared.sql).toBe(literal.sql);
      expect(literal.sql).toContain(direction === 'desc' ? ') < (' : ') > (');
      expect(literal.params).toEqual([cursor.createdAt.toISOString(), cursor.id]);
      expect(prepared.params.map((param) => (param as { name?: string }).name)).toEqual(['afterCreatedAt', 'afterId']);
    }
  });
});
