const CHUNK_WORDS = 4;

/** A composed answer as a stream of chunks of a few words, as a model's would come. */
export async function* composedChunks(text: string): AsyncGenerator<string> {
  const words = text.split(/(?<=\s)/);
  for (let index = 0; index < words.length; index += CHUNK_WORDS) {
    yield words.slice(index, index + CHUNK_WORDS).join('');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
