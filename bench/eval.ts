/** `npm run eval`: rule extraction quality on planted rules, per algorithm. Prints figures; asserts nothing. */
import { benchRuleQuality } from './learning.ts';

process.stdout.write(`Rule extraction on planted rules, 300 samples per case, held-out accuracy\n${await benchRuleQuality(Number(process.env.EVAL_CASES ?? 12))}\n`);
