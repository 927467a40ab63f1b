/** Prompts compared in one form: NFKC (full-width digits and letters), lower case, single spaces. */
export const normalize = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

export const isKorean = (text: string) => /[\u3131-\u318e\uac00-\ud7a3]/.test(text);

/** A match of a pattern, where it starts: earlier mentions win when a prompt names two things. */
export interface Found<T> {
  value: T;
  at: number;
  length: number;
}

/** The earliest match of any of the patterns, tagged with its value. */
export function earliest<T>(text: string, table: ReadonlyArray<readonly [T, RegExp]>): Found<T> | undefined {
  let best: Found<T> | undefined;
  for (const [value, pattern] of table) {
    const match = pattern.exec(text);
    if (match && (!best || match.index < best.at)) best = { value, at: match.index, length: match[0].length };
  }
  return best;
}

/** Every value whose pattern matches, in order of first mention. */
export function allFound<T>(text: string, table: ReadonlyArray<readonly [T, RegExp]>): Array<Found<T>> {
  const found = new Map<T, Found<T>>();
  for (const [value, pattern] of table) {
    const match = pattern.exec(text);
    if (match && (!found.has(value) || match.index < found.get(value)!.at)) found.set(value, { value, at: match.index, length: match[0].length });
  }
  return [...found.values()].sort((a, b) => a.at - b.at);
}

const ENGLISH_NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fourteen: 14, fifteen: 15, twenty: 20, thirty: 30, 'twenty-four': 24, 'forty-eight': 48 };
const KOREAN_NUMBERS: Record<string, number> = { 한: 1, 두: 2, 세: 3, 석: 3, 네: 4, 넉: 4, 다섯: 5, 여섯: 6, 일곱: 7, 여덟: 8, 아홉: 9, 열: 10, 열한: 11, 열두: 12, 스물네: 24 };

export const ENGLISH_NUMBER = `\\d+|${Object.keys(ENGLISH_NUMBERS).sort((a, b) => b.length - a.length).join('|')}`;
export const KOREAN_NUMBER = `\\d+|${Object.keys(KOREAN_NUMBERS).sort((a, b) => b.length - a.length).join('|')}`;

export function numberOf(word: string | undefined): number {
  if (!word) return 1;
  const digits = Number(word);
  if (Number.isInteger(digits)) return digits;
  return ENGLISH_NUMBERS[word] ?? KOREAN_NUMBERS[word] ?? Number.NaN;
}
