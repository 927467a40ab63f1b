import DataLoader from 'dataloader';
import { closableStream } from './closable-stream.ts';
import { mapInOrder } from './map-in-order.ts';

/** Reads of one subscription under way at once; beyond that its notices wait. */
const READS_IN_FLIGHT = 64;

export interface LiveReadOptions<TNotice, TKey, TRow> {
  /** Notices of no interest to this subscriber, dropped before anything is read (the subscription's filter). */
  keep?: (notice: TNotice) => boolean;
  /** What to read for a notice. */
  keyOf: (notice: TNotice) => TKey;
  /** Reads the rows of many keys at once, in key order, null where there is none. */
  readMany: (keys: readonly TKey[]) => Promise<Array<TRow | null>>;
  /** What to deliver when a notice's row is gone (null, say); nothing when absent. */
  whenMissing?: () => TRow;
}

/**
 * A live channel's notices as the rows they announce: read fresh for each notice, concurrently,
 * with the notices of one tick read in one query, and delivered in notice order. A subscription
 * resolving its events one by one could otherwise not keep up with more events per second than
 * database round trips. Leaving ends the reads at once, even while no notice comes.
 */
export function liveReads<TNotice, TKey, TRow>(notices: AsyncIterator<TNotice> & AsyncIterable<TNotice>, options: LiveReadOptions<TNotice, TKey, TRow>): AsyncGenerator<TRow> {
  // Batches without a cache: a subscription lives long, and each notice means the row changed.
  const loader = new DataLoader<TKey, TRow | null>(options.readMany, { cache: false });
  const { keep } = options;
  const wanted = keep ? filtered(notices, keep) : notices;
  const read = async (notice: TNotice) => (await loader.load(options.keyOf(notice))) ?? options.whenMissing?.();
  const rows = mapInOrder(wanted, read, READS_IN_FLIGHT);
  return closableStream<TRow>(
    async () => {
      for (;;) {
        const next = await rows.next();
        if (next.done || next.value !== undefined) return next as IteratorResult<TRow>;
      }
    },
    async () => {
      await notices.return?.();
      await rows.return(undefined);
    },
  );
}

async function* filtered<T>(source: AsyncIterable<T>, keep: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of source) if (keep(item)) yield item;
}
