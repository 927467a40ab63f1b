import { text, timestamp } from 'drizzle-orm/pg-core';

/** Millisecond precision, so (createdAt, id) cursors round-trip through JavaScript dates exactly. */
export const timestampMs = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** Every row belongs to one tenant and says who made and last changed it, and when. */
export const ownedRowColumns = () => ({
  tenantId: text('tenant_id').notNull(),
  createdAt: timestampMs('created_at').notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  updatedAt: timestampMs('updated_at').notNull().defaultNow(),
  updatedBy: text('updated_by').notNull(),
});

export const softDeleteColumns = () => ({
  deletedAt: timestampMs('deleted_at'),
  deletedBy: text('deleted_by'),
});
