/**
 * Exact round-trip counts: every non-control HTTP request, every accepted WebSocket.
 * Counts are also kept per `tag` query parameter, so one test can measure its own
 * requests while other test files share the gateway.
 */
import type { RoundTripStats } from "../types.ts";

interface Count {
  httpRequests: number;
  wsConnections: number;
}

export class Counters {
  #all: Count = { httpRequests: 0, wsConnections: 0 };
  readonly #tagged = new Map<string, Count>();

  #forTag(tag: string): Count {
    let count = this.#tagged.get(tag);
    if (!count) {
      count = { httpRequests: 0, wsConnections: 0 };
      this.#tagged.set(tag, count);
    }
    return count;
  }

  countHttp(tag: string | null): void {
    this.#all.httpRequests++;
    if (tag) this.#forTag(tag).httpRequests++;
  }

  countWs(tag: string | null): void {
    this.#all.wsConnections++;
    if (tag) this.#forTag(tag).wsConnections++;
  }

  /** All counts, or those of one tag (zeros for a tag never seen). */
  get(tag: string | null): RoundTripStats {
    const count = tag ? (this.#tagged.get(tag) ?? { httpRequests: 0, wsConnections: 0 }) : this.#all;
    return { httpRequests: count.httpRequests, wsConnections: count.wsConnections };
  }

  /** Zeroes one tag, or the overall counts (other tests' tags are left alone). */
  reset(tag: string | null): void {
    if (tag) this.#tagged.delete(tag);
    else this.#all = { httpRequests: 0, wsConnections: 0 };
  }
}
