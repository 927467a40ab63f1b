import { ensureConsoleBuilt } from '../console/build.ts';

/** Built once before any suite starts a platform: `npm start` then finds it current instead of every platform building it at once. */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt((line) => process.stdout.write(`${line}\n`));
}
