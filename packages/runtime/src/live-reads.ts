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
  /** Rows the same as the one delivered just before them (read twice for notices of one tick) are not delivered again. */
  isRepeat?: (previous: TRow, row: TRow) => boolean;
}

/**
 * A live channel's notices as the rows they announce: read fresh for each notice, concurrently,
 * with the notices of one tick read in one query, and delivered in notice order. A subscription
 * resolving its events one by one could otherwise not keep up with more events per second than
 * database round trips. Leaving ends the reads at once, even while no notice comes; so does a
 * failed read, after its error. A loader of its own rather than the request's: the subscription
 * outlives any request, and caches nothing.
 */
export function liveReads<TNotice, TKey, TRow>(notices: AsyncIterator<TNotice> & AsyncIterable<TNotice>, options: LiveReadOptions<TNotice, TKey, TRow>): AsyncGenerator<TRow> {
  // Batches without a cache: a subscription lives long, and each notice means the row changed.
  const loader = new DataLoader<TKey, TRow | null>(options.readMany, { cache: false });
  const { keep } = options;
  const wanted = keep ? filtered(notices, keep) : notices;
  const read = async (notice: TNotice) => (await loader.load(options.keyOf(notice))) ?? options.whenMissing?.();
  const rows = mapInOrder(wanted, read, READS_IN_FLIGHT);
  const close = async () => {
    await notices.return?.();
    await rows.return(undefined);
  };
  let delivered: { row: TRow } | undefined;
  return closableStream<TRow>(async () => {
    try {
      for (;;) {
        const next = await rows.next();
        if (next.done) return next;
        if (next.value === undefined || (delivered && options.isRepeat?.(delivered.row, next.value))) continue;
        delivered = { row: next.value };
        return next as IteratorResult<TRow>;
      }
    } catch (error) {
      // A consumer does not return() a stream whose read failed: stop listening here.
      await close();
      throw error;
    }
  }, close);
}

async function* filtered<T>(source: AsyncIterable<T>, keep: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of source) if (keep(item)) yield item;
}
