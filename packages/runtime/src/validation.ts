import type { z } from 'zod';
import { AppError } from './errors.ts';

export interface InputProblem {
  path: string;
  message: string;
}

function formatPath(root: string, path: PropertyKey[]): string {
  return path.reduce<string>(
    (joined, key) => (typeof key === 'number' ? `${joined}[${key}]` : joined ? `${joined}.${String(key)}` : String(key)),
    root,
  );
}

/** Checks input against a zod schema; every problem is reported at once, each with its path. */
export function validateInput<T extends z.ZodType>(schema: T, input: unknown, root = 'input'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues.map((issue) => ({ path: formatPath(root, issue.path), message: issue.message })));
}

export function invalidInput(problems: InputProblem[]): AppError {
  const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
  return new AppError('BAD_USER_INPUT', `Invalid input — ${summary}`, { problems });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs in storage; anything else cannot name a row and is treated as not found. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** PostgreSQL timestamps have no year 0; we accept years 1 to 9999, as ISO 8601 writes them. */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}

/** How deeply a JSON value nests (a scalar is 0, `{}` is 1), walked without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}
