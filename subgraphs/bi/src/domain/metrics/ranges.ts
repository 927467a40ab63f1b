import { TZDate, tzOffset } from '@date-fns/tz';
import { addDays, addMonths, addWeeks, startOfDay, startOfMonth, startOfWeek } from 'date-fns';
import { AppError } from '@judgify/runtime/errors';
import type { BucketSize } from '../../db/schema.ts';
import { BUCKET_MS, BUCKET_SIZES, RETENTION_MS } from './buckets.ts';

export const relativePeriods = ['TODAY', 'YESTERDAY', 'THIS_WEEK', 'LAST_WEEK', 'THIS_MONTH', 'LAST_MONTH'] as const;
export type RelativePeriod = (typeof relativePeriods)[number];

/** A range as asked: explicit instants, or relative to now (resolved when the query runs, so a saved view rolls). */
export interface RangeInput {
  from?: Date | null;
  to?: Date | null;
  period?: RelativePeriod | null;
  lastHours?: number | null;
  lastDays?: number | null;
  timeZone?: string | null;
}

export interface ResolvedRange {
  from: Date;
  to: Date;
  timeZone: string;
}

export const DEFAULT_TIME_ZONE = 'UTC';
const MAX_RANGE_MS = RETENTION_MS.DAY;

export function checkTimeZone(timeZone: string | null | undefined, field: string): string {
  const zone = timeZone ?? DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new AppError('BAD_USER_INPUT', `"${zone}" is not a time zone: use an IANA name such as "Asia/Seoul" or "UTC".`, { field });
  }
  return zone;
}

/** Weeks start on Monday (ISO 8601), in the asker's time zone. */
function periodBounds(period: RelativePeriod, now: TZDate): [Date, Date] {
  const week = { weekStartsOn: 1 as const };
  switch (period) {
    case 'TODAY':
      return [startOfDay(now), now];
    case 'YESTERDAY':
      return [addDays(startOfDay(now), -1), startOfDay(now)];
    case 'THIS_WEEK':
      return [startOfWeek(now, week), now];
    case 'LAST_WEEK':
      return [addWeeks(startOfWeek(now, week), -1), startOfWeek(now, week)];
    case 'THIS_MONTH':
      return [startOfMonth(now), now];
    case 'LAST_MONTH':
      return [addMonths(startOfMonth(now), -1), startOfMonth(now)];
  }
}

/**
 * Exactly one way of naming the range, or none for the last 24 hours. Errors name the field
 * (`prefix` is where the range sits in the arguments).
 */
export function resolveRange(input: RangeInput, now: Date, prefix: string): ResolvedRange {
  const timeZone = checkTimeZone(input.timeZone, `${prefix}.timeZone`);
  const ways = [input.from != null || input.to != null ? 'from/to' : null, input.period ? 'period' : null, input.lastHours != null ? 'lastHours' : null, input.lastDays != null ? 'lastDays' : null].filter(Boolean);
  if (ways.length > 1) {
    throw new AppError('BAD_USER_INPUT', `Name the range one way: give from/to, period, lastHours or lastDays, not ${ways.join(' and ')}.`, { field: prefix });
  }
  const zoned = new TZDate(now.getTime(), timeZone);
  let from: Date;
  let to: Date;
  if (input.period) [from, to] = periodBounds(input.period, zoned);
  else if (input.lastHours != null) {
    if (!Number.isInteger(input.lastHours) || input.lastHours < 1 || input.lastHours > 24 * 90) {
      throw new AppError('BAD_USER_INPUT', 'lastHours must be a whole number from 1 to 2160 (90 days).', { field: `${prefix}.lastHours` });
    }
    [from, to] = [new Date(now.getTime() - input.lastHours * 3600_000), now];
  } else if (input.lastDays != null) {
    if (!Number.isInteger(input.lastDays) || input.lastDays < 1 || input.lastDays > 730) {
      throw new AppError('BAD_USER_INPUT', 'lastDays must be a whole number from 1 to 730.', { field: `${prefix}.lastDays` });
    }
    [from, to] = [new Date(now.getTime() - input.lastDays * 24 * 3600_000), now];
  } else {
    from = input.from ?? new Date((input.to ?? now).getTime() - 24 * 3600_000);
    to = input.to ?? now;
  }
  from = new Date(from.getTime());
  to = new Date(to.getTime());
  if (to.getTime() <= from.getTime()) {
    throw new AppError('BAD_USER_INPUT', `The range is empty: "to" (${to.toISOString()}) must be after "from" (${from.toISOString()}).`, { field: `${prefix}.to` });
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
    throw new AppError('BAD_USER_INPUT', 'The range is longer than 730 days, as far back as metrics are kept; narrow it.', { field: prefix });
  }
  return { from, to, timeZone };
}

/** Whether buckets of this size start on the zone's boundaries (UTC days do not in Seoul; UTC hours do not in +05:30). */
function alignedIn(size: BucketSize, range: ResolvedRange): boolean {
  return [range.from, range.to].every((at) => (tzOffset(range.timeZone, at) * 60_000) % BUCKET_MS[size] === 0);
}

export interface BucketSource {
  /** The stored bucket size the range is read from. */
  size: BucketSize;
  warnings: string[];
}

/**
 * The stored size a series of `point` buckets is read from: the coarsest size no wider than a
 * point that is kept back to the range's start and aligned to the zone's boundaries; else the
 * coarsest kept one, with a warning.
 */
export function sourceFor(range: ResolvedRange, point: BucketSize, now: Date): BucketSource {
  const keptSince = (size: BucketSize) => now.getTime() - RETENTION_MS[size];
  const kept = BUCKET_SIZES.filter((size) => BUCKET_MS[size] <= BUCKET_MS[point] && keptSince(size) <= range.from.getTime()).reverse();
  const aligned = kept.find((size) => alignedIn(size, range));
  if (aligned) return { size: aligned, warnings: [] };
  if (kept[0]) {
    return { size: kept[0], warnings: [`Buckets here follow UTC boundaries, not ${range.timeZone}'s: the finer buckets of this range are no longer kept.`] };
  }
  const days = RETENTION_MS[point] / BUCKET_MS.DAY;
  throw new AppError('BAD_USER_INPUT', `${point} buckets are kept for ${days} days and this range starts before that: choose a coarser bucket or a later start.`, { field: 'bucket' });
}

/** The start of each point of a series over the range: calendar days in the zone, fixed widths otherwise. */
export function pointStarts(range: ResolvedRange, point: BucketSize): Date[] {
  const starts: Date[] = [];
  if (point === 'DAY') {
    for (let day = startOfDay(new TZDate(range.from.getTime(), range.timeZone)); day.getTime() < range.to.getTime(); day = addDays(day, 1)) {
      starts.push(new Date(day.getTime()));
    }
    return starts;
  }
  const width = BUCKET_MS[point];
  const offset = tzOffset(range.timeZone, range.from) * 60_000;
  for (let at = Math.floor((range.from.getTime() + offset) / width) * width - offset; at < range.to.getTime(); at += width) starts.push(new Date(at));
  return starts;
}

/** A point width that keeps a series readable: at most ~400 points. */
export function defaultPoint(range: ResolvedRange): BucketSize {
  const span = range.to.getTime() - range.from.getTime();
  if (span <= 2 * BUCKET_MS.DAY) return span <= 6 * BUCKET_MS.HOUR ? 'FIVE_MINUTES' : 'HOUR';
  return span <= 14 * BUCKET_MS.DAY ? 'HOUR' : 'DAY';
}

export const MAX_POINTS = 2_000;
