/** Words per chunk: each chunk is an event through the gateway, so a composed answer goes in a few. */
const CHUNK_WORDS = 12;

/** A composed answer as a stream of chunks of a few words, as a model's would come. */
export async function* composedChunks(text: string): AsyncGenerator<string> {
  const words = text.split(/(?<=\s)/);
  for (let index = 0; index < words.length; index += CHUNK_WORDS) {
    yield words.slice(index, index + CHUNK_WORDS).join('');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
