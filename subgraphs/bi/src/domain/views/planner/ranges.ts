import { TZDate } from '@date-fns/tz';
import { addDays, addMonths } from 'date-fns';
import type { RelativePeriod } from '../../metrics/ranges.ts';
import { ENGLISH_NUMBER, KOREAN_NUMBER, numberOf } from './text.ts';

/** A range as the prompt named it: relative (rerun rolls it forward) or between fixed instants. */
export type NamedRange =
  | { kind: 'period'; period: RelativePeriod }
  | { kind: 'lastHours'; hours: number }
  | { kind: 'lastDays'; days: number }
  | { kind: 'between'; from: Date; to: Date; label: string };

export interface FoundRange {
  range: NamedRange;
  /** Where in the (normalized) prompt, so what is left can be read for other things. */
  at: number;
  length: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAME = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const monthIndex = (name: string) => MONTHS.indexOf(name.slice(0, 3));

interface DayMention {
  year?: number;
  month: number;
  day?: number;
  at: number;
  length: number;
}

/** Dates written out: 2026-11-03, 2026/11/03, 2026년 11월 3일, 11월 3일, 11월, Nov 3, 3 November 2026, November. */
function dayMentions(text: string): DayMention[] {
  const found: DayMention[] = [];
  const patterns: Array<[RegExp, (match: RegExpExecArray) => Omit<DayMention, 'at' | 'length'>]> = [
    [/\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/g, (m) => ({ year: +m[1]!, month: +m[2]! - 1, day: +m[3]! })],
    [/(?:(\d{4}) ?년 ?)?(\d{1,2}) ?월 ?(?:(\d{1,2}) ?일)?/g, (m) => ({ year: m[1] ? +m[1] : undefined, month: +m[2]! - 1, day: m[3] ? +m[3] : undefined })],
    [new RegExp(`\\b${MONTH_NAME}\\.? (\\d{1,2})(?:st|nd|rd|th)?\\b(?:,? (\\d{4})\\b)?`, 'g'), (m) => ({ year: m[3] ? +m[3] : undefined, month: monthIndex(m[1]!), day: +m[2]! })],
    [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH_NAME}\\b(?:,? (\\d{4})\\b)?`, 'g'), (m) => ({ year: m[3] ? +m[3] : undefined, month: monthIndex(m[2]!), day: +m[1]! })],
    [new RegExp(`\\b(?:in |during |for )?${MONTH_NAME}\\b(?: (\\d{4})\\b)?`, 'g'), (m) => ({ year: m[2] ? +m[2] : undefined, month: monthIndex(m[1]!) })],
  ];
  for (const [pattern, read] of patterns) {
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      const at = match.index;
      // "may" is also a verb, and a month name inside an earlier, longer date is that date.
      if (/^(in |during |for )?may$/.test(match[0]) && !/\b(in|during|for) may\b/.test(match[0])) continue;
      if (found.some((mention) => at < mention.at + mention.length && mention.at < at + match[0].length)) continue;
      const mention = { ...read(match), at, length: match[0].length };
      if (mention.month < 0 || mention.month > 11 || (mention.day !== undefined && (mention.day < 1 || mention.day > 31))) continue;
      found.push(mention);
    }
  }
  return found.sort((a, b) => a.at - b.at);
}

/** The first instant of the mentioned day (or month) in the zone; without a year, the latest one not in the future. */
function startOf(mention: DayMention, now: TZDate): TZDate {
  const year = mention.year ?? now.getFullYear();
  const start = new TZDate(year, mention.month, mention.day ?? 1, now.timeZone);
  if (mention.year === undefined && start.getTime() > now.getTime()) return new TZDate(year - 1, mention.month, mention.day ?? 1, now.timeZone);
  return start;
}

const endOf = (mention: DayMention, start: TZDate) => (mention.day === undefined ? addMonths(start, 1) : addDays(start, 1));

const isoDay = (date: TZDate) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

function explicitRange(text: string, now: TZDate): FoundRange | undefined {
  const mentions = dayMentions(text);
  const [first, second] = mentions;
  if (!first) return undefined;
  const from = startOf(first, now);
  const between = text.slice(first.at + first.length, second?.at ?? text.length);
  const isPair = second && /^\s*(?:~|-|–|to|through|until|till|and|부터|에서|~ ?|와|과)?\s*(?:부터|에서)?\s*(?:~|-|–)?\s*$/.test(between);
  if (second && isPair) {
    const lastStart = startOf({ ...second, year: second.year ?? (first.year !== undefined ? first.year : undefined) }, now);
    const to = endOf(second, lastStart);
    const span = { at: first.at, length: second.at + second.length - first.at };
    return { range: { kind: 'between', from, to, label: `${isoDay(from)} – ${isoDay(addDays(to, -1))}` }, ...span };
  }
  const after = text.slice(first.at + first.length, first.at + first.length + 12);
  const before = text.slice(Math.max(0, first.at - 8), first.at);
  if (/^\s*(부터|이후|since|onwards?|on)/.test(after) || /(since|from|after) $/.test(before)) {
    return { range: { kind: 'between', from, to: now, label: `${isoDay(from)} – now` }, at: first.at, length: first.length };
  }
  const to = endOf(first, from);
  const label = first.day === undefined ? `${from.getFullYear()}-${String(from.getMonth() + 1).padStart(2, '0')}` : isoDay(from);
  return { range: { kind: 'between', from, to, label }, at: first.at, length: first.length };
}

const RELATIVE: ReadonlyArray<readonly [(match: RegExpExecArray) => NamedRange | undefined, RegExp]> = [
  [(m) => ({ kind: 'lastHours', hours: numberOf(m[1]) }), new RegExp(`\\b(?:last|past|previous|prior|recent|the last|within the last|in the last)? ?(${ENGLISH_NUMBER})? ?(?:hours?|hrs?|h)\\b(?! ago)`)],
  [(m) => ({ kind: 'lastDays', days: numberOf(m[1]) * (m[2]!.startsWith('w') ? 7 : m[2]!.startsWith('m') ? 30 : 1) }), new RegExp(`\\b(?:last|past|previous|prior|recent|within the last|in the last) (${ENGLISH_NUMBER}) (days?|weeks?|months?)\\b`)],
  [() => ({ kind: 'lastDays', days: 7 }), /\b(?:past|recent|the last seven days of the) week\b|\blast 7 days\b/],
  [() => ({ kind: 'lastDays', days: 30 }), /\b(?:past|recent) month\b/],
  [() => ({ kind: 'lastHours', hours: 24 }), /\b(?:past|last) (?:day|24 ?h)\b/],
  [(m) => ({ kind: 'lastHours', hours: numberOf(m[1]) }), new RegExp(`(?:최근|지난|과거|직전)? ?(${KOREAN_NUMBER}) ?시간(?! ?(?:별|대|단위|마다))`)],
  [(m) => ({ kind: 'lastDays', days: numberOf(m[1]) * 7 }), new RegExp(`(?:최근|지난|과거|직전) ?(${KOREAN_NUMBER}) ?주(?:일)?`)],
  [(m) => ({ kind: 'lastDays', days: numberOf(m[1]) * 30 }), new RegExp(`(?:최근|지난|과거|직전)? ?(${KOREAN_NUMBER}) ?(?:개월|달)(?! ?별)`)],
  [(m) => ({ kind: 'lastDays', days: numberOf(m[1]) }), /(?:최근|지난|과거|직전) ?(\d+) ?일|(\d+) ?일 ?(?:간|동안)/],
  [() => ({ kind: 'lastHours', hours: 24 }), /(?:최근|지난) ?하루|하루 ?(?:동안|간)|24 ?시간/],
  [() => ({ kind: 'lastDays', days: 2 }), /(?:최근|지난) ?이틀|이틀 ?(?:동안|간)/],
  [() => ({ kind: 'lastDays', days: 3 }), /(?:최근|지난) ?사흘|사흘 ?(?:동안|간)/],
  [() => ({ kind: 'lastDays', days: 7 }), /(?:최근|지난) ?(?:일주일|한 ?주|1 ?주)|일주일 ?(?:동안|간)/],
];

const PERIODS: ReadonlyArray<readonly [RelativePeriod, RegExp]> = [
  ['TODAY', /\btoday\b|\btoday's\b|\bso far today\b|오늘|금일|당일/],
  ['YESTERDAY', /\byesterday\b|어제|전일/],
  ['THIS_WEEK', /\bthis week\b|\bweek to date\b|\bwtd\b|\bcurrent week\b|이번 ?주|금주|이번 ?한 ?주/],
  ['LAST_WEEK', /\blast week\b|\bprevious week\b|\bprior week\b|지난 ?주(?!기)|저번 ?주|전주/],
  ['THIS_MONTH', /\bthis month\b|\bmonth to date\b|\bmtd\b|\bcurrent month\b|이번 ?달|이달|금월|이번 ?월/],
  ['LAST_MONTH', /\blast month\b|\bprevious month\b|\bprior month\b|지난 ?달|저번 ?달|전월|전달|지난 ?월/],
];

/** The range the prompt names, if any: explicit dates first, then "last N …", then calendar periods. */
export function findRange(text: string, now: TZDate): FoundRange | undefined {
  const explicit = explicitRange(text, now);
  if (explicit) return explicit;
  let best: FoundRange | undefined;
  for (const [read, pattern] of RELATIVE) {
    for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) {
      // "hours" alone ("by hours") is no range; a range needs a number or a "last".
      if (pattern === RELATIVE[0]![1] && !match[1] && !/last|past|previous|prior|recent/.test(match[0])) continue;
      const range = read(match as RegExpExecArray);
      const size = range?.kind === 'lastHours' ? range.hours : range?.kind === 'lastDays' ? range.days : 0;
      if (!range || !Number.isFinite(size) || size < 1) continue;
      if (!best || match.index < best.at) best = { range, at: match.index, length: match[0].length };
      break;
    }
  }
  for (const [period, pattern] of PERIODS) {
    const match = pattern.exec(text);
    // "지난 한 달" is the last 30 days; "지난 달" the calendar month before this one.
    if (match && (!best || match.index < best.at)) best = { range: { kind: 'period', period }, at: match.index, length: match[0].length };
  }
  return best;
}
