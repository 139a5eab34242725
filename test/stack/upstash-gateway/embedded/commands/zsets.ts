/** Sorted sets: what apps use for sliding logs and what ratelimit analytics calls (ZINCRBY, ZRANGE, ZUNION). */
import { ErrorReply, Errors, type Reply } from "../../reply.ts";
import { bytesOf, keyOf, type Keyspace } from "../keyspace.ts";
import { formatScore } from "../numbers.ts";
import { EMPTY, WRITE, int, isErr, safeIntArg, type CommandTable } from "../spec.ts";
import { zaddOptions, zrangeArgs, scoreRange, type ScoreRange } from "./zset-args.ts";

/** A sorted set: member (latin1 bytes) → score. */
export type ZSet = Map<string, number>;
const readZSet = (ks: Keyspace, key: Buffer): ZSet | undefined | ErrorReply => ks.read(key, "zset");

/** Members ordered by score, then bytes, as Redis' skiplist keeps them. */
export const sorted = (z: ZSet): [string, number][] =>
  [...z].sort(([ma, sa], [mb, sb]) => (sa !== sb ? sa - sb : ma < mb ? -1 : ma > mb ? 1 : 0));

const inRange = (score: number, { min, max }: { min: ScoreRange; max: ScoreRange }): boolean =>
  (min.exclusive ? score > min.value : score >= min.value) && (max.exclusive ? score < max.value : score <= max.value);

/** Members as replies, each followed by its score when asked for. */
export const withScores = (items: readonly [string, number][], scores: boolean): Buffer[] =>
  items.flatMap(([m, s]) => (scores ? [bytesOf(m), Buffer.from(formatScore(s))] : [bytesOf(m)]));

/** Normalises a start/stop index pair like Redis (negative = from the end); null = empty. */
function slice<T>(items: readonly T[], start: number, stop: number): T[] {
  const n = items.length;
  const from = Math.max(0, start < 0 ? n + start : start);
  const to = Math.min(n - 1, stop < 0 ? n + stop : stop);
  return from > to ? [] : items.slice(from, to + 1);
}

function zadd(args: readonly Buffer[], ks: Keyspace, incrOnly: boolean): Reply {
  const parsed = zaddOptions(args.slice(1), incrOnly);
  if (isErr(parsed)) return parsed;
  const { flags, pairs } = parsed;
  const existing = readZSet(ks, args[0] ?? EMPTY);
  if (isErr(existing)) return existing;
  if (flags.has("XX") && !existing) return flags.has("INCR") ? null : 0n;
  const zset = ks.upsert(args[0] ?? EMPTY, "zset");
  if (isErr(zset)) return zset;
  let added = 0;
  let changed = 0;
  let last: number | null = null;
  for (const [score, member] of pairs) {
    const key = keyOf(member);
    const current = zset.get(key);
    if ((flags.has("NX") && current !== undefined) || (flags.has("XX") && current === undefined)) continue;
    const next = flags.has("INCR") ? (current ?? 0) + score : score;
    if (Number.isNaN(next)) return new ErrorReply("ERR resulting score is not a number (NaN)");
    if (current !== undefined && ((flags.has("GT") && !(next > current)) || (flags.has("LT") && !(next < current)))) continue;
    if (current === undefined) added++;
    else if (current !== next) changed++;
    zset.set(key, next);
    last = next;
  }
  ks.dropIfEmpty(args[0] ?? EMPTY);
  if (flags.has("INCR")) return last === null ? null : Buffer.from(formatScore(last));
  return int(flags.has("CH") ? added + changed : added);
}

function zrange(args: readonly Buffer[], ks: Keyspace, forced: { byScore?: boolean; rev?: boolean } = {}): Reply {
  const parsed = zrangeArgs(args.slice(1), forced);
  if (isErr(parsed)) return parsed;
  const zset = readZSet(ks, args[0] ?? EMPTY);
  if (isErr(zset)) return zset;
  let items = sorted(zset ?? new Map<string, number>());
  if (parsed.rev) items.reverse();
  if (parsed.mode === "index") items = slice(items, parsed.start, parsed.stop);
  else {
    items = items.filter(([, s]) => inRange(s, parsed.range));
    if (parsed.limit)
      items =
        parsed.limit.count < 0
          ? items.slice(parsed.limit.offset)
          : items.slice(parsed.limit.offset, parsed.limit.offset + parsed.limit.count);
  }
  return withScores(items, parsed.withScores);
}

function removeWhere(ks: Keyspace, key: Buffer, pick: (items: [string, number][]) => [string, number][]): Reply {
  const zset = readZSet(ks, key);
  if (isErr(zset) || !zset) return zset ?? 0n;
  const doomed = pick(sorted(zset));
  for (const [m] of doomed) zset.delete(m);
  ks.dropIfEmpty(key);
  return int(doomed.length);
}

function rank(ks: Keyspace, [key = EMPTY, member = EMPTY]: readonly Buffer[], rev: boolean): Reply {
  const zset = readZSet(ks, key);
  if (isErr(zset) || !zset?.has(keyOf(member))) return isErr(zset) ? zset : null;
  const order = sorted(zset).map(([m]) => m);
  const index = order.indexOf(keyOf(member));
  return int(rev ? order.length - 1 - index : index);
}

const score = (zset: ZSet | undefined, member: Buffer): Buffer | null => {
  const s = zset?.get(keyOf(member));
  return s === undefined ? null : Buffer.from(formatScore(s));
};

/** Sorted-set commands by name. */
export const zsetCommands: CommandTable = {
  zadd: { arity: -4, flags: WRITE, run: (args, { keyspace }) => zadd(args, keyspace, false) },
  zincrby: { arity: 4, flags: WRITE, run: (args, { keyspace }) => zadd(args, keyspace, true) },
  zscore: {
    arity: 3,
    run: ([key = EMPTY, member = EMPTY], { keyspace }) => {
      const zset = readZSet(keyspace, key);
      return isErr(zset) ? zset : score(zset, member);
    },
  },
  zmscore: {
    arity: -3,
    run: ([key = EMPTY, ...members], { keyspace }) => {
      const zset = readZSet(keyspace, key);
      return isErr(zset) ? zset : members.map((m) => score(zset, m));
    },
  },
  zcard: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const zset = readZSet(keyspace, key);
      return isErr(zset) ? zset : int(zset?.size ?? 0);
    },
  },
  zcount: {
    arity: 4,
    run: ([key = EMPTY, min, max], { keyspace }) => {
      const range = scoreRange(min, max);
      if (isErr(range)) return range;
      const zset = readZSet(keyspace, key);
      if (isErr(zset)) return zset;
      return int([...(zset?.values() ?? [])].filter((s) => inRange(s, range)).length);
    },
  },
  zrem: {
    arity: -3,
    flags: WRITE,
    run: ([key = EMPTY, ...members], { keyspace }) => {
      const wanted = new Set(members.map(keyOf));
      return removeWhere(keyspace, key, (items) => items.filter(([m]) => wanted.has(m)));
    },
  },
  zrank: { arity: 3, run: (args, { keyspace }) => rank(keyspace, args, false) },
  zrevrank: { arity: 3, run: (args, { keyspace }) => rank(keyspace, args, true) },
  zrange: { arity: -4, run: (args, { keyspace }) => zrange(args, keyspace) },
  zrevrange: { arity: -4, run: (args, { keyspace }) => zrange(args, keyspace, { rev: true }) },
  zrangebyscore: { arity: -4, run: (args, { keyspace }) => zrange(args, keyspace, { byScore: true }) },
  zrevrangebyscore: { arity: -4, run: (args, { keyspace }) => zrange(args, keyspace, { byScore: true, rev: true }) },
  zremrangebyscore: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, min, max], { keyspace }) => {
      const range = scoreRange(min, max);
      return isErr(range) ? range : removeWhere(keyspace, key, (items) => items.filter(([, s]) => inRange(s, range)));
    },
  },
  zremrangebyrank: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, start, stop], { keyspace }) => {
      const [from, to] = [safeIntArg(start), safeIntArg(stop)];
      if (isErr(from) || isErr(to)) return Errors.notInteger();
      return removeWhere(keyspace, key, (items) => slice(items, from, to));
    },
  },
};
