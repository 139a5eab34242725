/**
 * The embedded store's data: one keyspace of typed values with millisecond
 * expiries. Keys, fields and members are kept as latin1 strings, which map
 * byte-for-byte to Redis' binary-safe strings; values stay Buffers.
 *
 * Time comes from a monotonic clock anchored to the wall clock once, so expiries
 * neither jump with clock adjustments nor drift from what EXPIREAT/TIME report.
 * Expired keys vanish lazily on access and in a periodic sweep.
 */
import { Errors, type ErrorReply } from "../reply.ts";

/** A stored value with its Redis type. */
export type Value =
  | { readonly type: "string"; value: Buffer }
  | { readonly type: "hash"; readonly value: Map<string, Buffer> }
  | { readonly type: "set"; readonly value: Set<string> }
  | { readonly type: "zset"; readonly value: Map<string, number> }
  | { readonly type: "list"; readonly value: Buffer[] };

/** The names TYPE answers. */
export type ValueType = Value["type"];
interface Payloads {
  string: Buffer;
  hash: Map<string, Buffer>;
  set: Set<string>;
  zset: Map<string, number>;
  list: Buffer[];
}
type Payload<T extends ValueType> = Payloads[T];

interface Entry {
  data: Value;
  /** Epoch milliseconds on the store clock; null = persistent. */
  expiresAt: number | null;
}

/** Buffer → map key (byte-preserving). */
export const keyOf = (bytes: Buffer): string => bytes.toString("latin1");
/** Map key → Buffer. */
export const bytesOf = (key: string): Buffer => Buffer.from(key, "latin1");

/** All keys of the embedded store, with lazy and periodic expiry. */
export class Keyspace {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  /** @param now epoch-ms clock; defaults to a monotonic one anchored at start. */
  constructor(now?: () => number) {
    const origin = Date.now() - performance.now();
    this.#now = now ?? (() => Math.floor(origin + performance.now()));
  }

  now(): number {
    return this.#now();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  has(key: Buffer): boolean {
    return this.#live(keyOf(key)) !== undefined;
  }

  type(key: Buffer): ValueType | undefined {
    return this.#live(keyOf(key))?.data.type;
  }

  /** The value if the key holds `type`, undefined if absent, WRONGTYPE otherwise. */
  read<T extends ValueType>(key: Buffer, type: T): Payload<T> | undefined | ErrorReply {
    const entry = this.#live(keyOf(key));
    if (!entry) return undefined;
    if (entry.data.type !== type) return Errors.wrongType();
    return entry.data.value as Payload<T>;
  }

  /** Like read, but creates an empty collection (no expiry) when the key is absent. */
  upsert<T extends "hash" | "set" | "zset" | "list">(key: Buffer, type: T): Payload<T> | ErrorReply {
    const current = this.read(key, type);
    if (current !== undefined) return current;
    const empty = { hash: () => new Map(), set: () => new Set(), zset: () => new Map(), list: () => [] }[type]();
    this.#entries.set(keyOf(key), { data: { type, value: empty } as Value, expiresAt: null });
    return empty as Payload<T>;
  }

  /** Stores a string; `keepTtl` keeps the current expiry (SET KEEPTTL, INCR, APPEND…). */
  setString(key: Buffer, value: Buffer, options: { keepTtl?: boolean; expiresAt?: number | null } = {}): void {
    const k = keyOf(key);
    const expiresAt = options.keepTtl ? (this.#live(k)?.expiresAt ?? null) : (options.expiresAt ?? null);
    this.#entries.set(k, { data: { type: "string", value }, expiresAt });
  }

  /** Stores any value with no expiry (SUNIONSTORE and friends). */
  put(key: Buffer, data: Value): void {
    this.#entries.set(keyOf(key), { data, expiresAt: null });
  }

  delete(key: Buffer): boolean {
    const k = keyOf(key);
    const existed = this.#live(k) !== undefined;
    this.#entries.delete(k);
    return existed;
  }

  /** Drops a collection that became empty, as Redis never keeps empty aggregates. */
  dropIfEmpty(key: Buffer): void {
    const data = this.#live(keyOf(key))?.data;
    if (!data || data.type === "string") return;
    const size = data.type === "list" ? data.value.length : data.value.size;
    if (size === 0) this.#entries.delete(keyOf(key));
  }

  expiresAt(key: Buffer): number | null | undefined {
    return this.#live(keyOf(key))?.expiresAt;
  }

  /** Sets (or clears, with null) the expiry of an existing key; false if absent. */
  setExpiry(key: Buffer, expiresAt: number | null): boolean {
    const entry = this.#live(keyOf(key));
    if (!entry) return false;
    if (expiresAt !== null && expiresAt <= this.#now()) this.#entries.delete(keyOf(key));
    else entry.expiresAt = expiresAt;
    return true;
  }

  rename(from: Buffer, to: Buffer): boolean {
    const entry = this.#live(keyOf(from));
    if (!entry) return false;
    this.#entries.delete(keyOf(from));
    this.#entries.set(keyOf(to), entry);
    return true;
  }

  /** Live keys in insertion order (stable, so SCAN cursors are positions). */
  keys(): string[] {
    this.sweep();
    return [...this.#entries.keys()];
  }

  size(): number {
    this.sweep();
    return this.#entries.size;
  }

  flush(): void {
    this.#entries.clear();
  }

  /** Removes every expired key. */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
