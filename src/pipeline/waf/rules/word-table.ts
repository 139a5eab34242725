/**
 * A fixed set of words looked up by a range of a longer text, without copying it.
 * Why: the tokenizer rules (SQL, shell) ask "is this word one of ours?" at every
 * token or separator of a value, up to 64K times per value; slicing the word out
 * and hashing the copy in a Set cost more than the rest of their work. Here one
 * load rules out most words (no word of ours starts with this character and has
 * this length), and the rest are hashed in place and compared in place.
 */

// Words longer than this are never looked up (they cannot be in a table).
const MAX_LENGTH = 31;

const hashOf = (text: string, start: number, end: number): number => {
  let h = 0;
  for (let k = start; k < end; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
  return h;
};

/** A set of words of 1 to 31 ASCII characters, each with an id (1, 2, … in the order given; 0: not in the set). */
export class WordTable {
  readonly #words: readonly string[];
  readonly #slots: Int32Array;
  readonly #mask: number;
  /** Per ASCII first character, one bit per length of the words starting with it. */
  readonly #lengths = new Uint32Array(128);

  constructor(words: readonly string[]) {
    this.#words = ["", ...words];
    let size = 64;
    while (size < words.length * 4) size *= 2;
    this.#slots = new Int32Array(size);
    this.#mask = size - 1;
    words.forEach((word, index) => {
      const first = word.charCodeAt(0);
      if (word.length === 0 || word.length > MAX_LENGTH || first >= 128) throw new Error(`word-table: cannot hold ${JSON.stringify(word)}`);
      let slot = hashOf(word, 0, word.length) & this.#mask;
      while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = index + 1;
      this.#lengths[first] = (this.#lengths[first] ?? 0) | (1 << word.length);
    });
  }

  /** The id of `text[start, end)`, or 0 when that range is not one of the words. */
  idOf(text: string, start: number, end: number): number {
    const length = end - start;
    if (length <= 0 || length > MAX_LENGTH) return 0;
    const first = text.charCodeAt(start);
    if (first >= 128 || ((this.#lengths[first] ?? 0) & (1 << length)) === 0) return 0;
    for (let slot = hashOf(text, start, end) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const id = this.#slots[slot] ?? 0;
      if (id === 0) return 0;
      const word = this.#words[id] ?? "";
      if (word.length === length && text.startsWith(word, start)) return id;
    }
  }

  /** True when `text[start, end)` is one of the words. */
  has(text: string, start = 0, end = text.length): boolean {
    return this.idOf(text, start, end) !== 0;
  }
}
