/** List commands for queues and capped logs (no blocking variants). */
import { ErrorReply, Errors, OK, type Reply } from "../../reply.ts";
import type { Keyspace } from "../keyspace.ts";
import { EMPTY, WRITE, int, isErr, safeIntArg, type CommandTable } from "../spec.ts";

const readList = (ks: Keyspace, key: Buffer): Buffer[] | undefined | ErrorReply => ks.read(key, "list");

function push(ks: Keyspace, [key = EMPTY, ...values]: readonly Buffer[], left: boolean, onlyIfExists: boolean): Reply {
  const existing = readList(ks, key);
  if (isErr(existing)) return existing;
  if (onlyIfExists && !existing) return 0n;
  const list = ks.upsert(key, "list");
  if (isErr(list)) return list;
  for (const value of values) {
    if (left) list.unshift(value);
    else list.push(value);
  }
  return int(list.length);
}

function pop(ks: Keyspace, [key = EMPTY, countArg]: readonly Buffer[], left: boolean): Reply {
  const count = countArg === undefined ? undefined : safeIntArg(countArg);
  if (isErr(count)) return count;
  if (count !== undefined && count < 0) return new ErrorReply("ERR value is out of range, must be positive");
  const list = readList(ks, key);
  if (isErr(list) || !list) return isErr(list) ? list : null;
  const taken = left ? list.splice(0, count ?? 1) : list.splice(Math.max(0, list.length - (count ?? 1))).reverse();
  ks.dropIfEmpty(key);
  return count === undefined ? (taken[0] ?? null) : taken;
}

/** Redis index normalisation for LRANGE / LTRIM (negative = from the end). */
function bounds(length: number, start: number, stop: number): [number, number] {
  const from = Math.max(0, start < 0 ? length + start : start);
  const to = Math.min(length - 1, stop < 0 ? length + stop : stop);
  return [from, to];
}

/** List commands by name. */
export const listCommands: CommandTable = {
  lpush: { arity: -3, flags: WRITE, run: (args, { keyspace }) => push(keyspace, args, true, false) },
  rpush: { arity: -3, flags: WRITE, run: (args, { keyspace }) => push(keyspace, args, false, false) },
  lpushx: { arity: -3, flags: WRITE, run: (args, { keyspace }) => push(keyspace, args, true, true) },
  rpushx: { arity: -3, flags: WRITE, run: (args, { keyspace }) => push(keyspace, args, false, true) },
  lpop: { arity: -2, flags: WRITE, run: (args, { keyspace }) => (args.length > 2 ? Errors.syntax() : pop(keyspace, args, true)) },
  rpop: { arity: -2, flags: WRITE, run: (args, { keyspace }) => (args.length > 2 ? Errors.syntax() : pop(keyspace, args, false)) },
  llen: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const list = readList(keyspace, key);
      return isErr(list) ? list : int(list?.length ?? 0);
    },
  },
  lindex: {
    arity: 3,
    run: ([key = EMPTY, indexArg], { keyspace }) => {
      const index = safeIntArg(indexArg);
      if (isErr(index)) return index;
      const list = readList(keyspace, key);
      if (isErr(list) || !list) return list ?? null;
      return list[index < 0 ? list.length + index : index] ?? null;
    },
  },
  lrange: {
    arity: 4,
    run: ([key = EMPTY, startArg, stopArg], { keyspace }) => {
      const [start, stop] = [safeIntArg(startArg), safeIntArg(stopArg)];
      if (isErr(start) || isErr(stop)) return Errors.notInteger();
      const list = readList(keyspace, key);
      if (isErr(list)) return list;
      const [from, to] = bounds(list?.length ?? 0, start, stop);
      return from > to ? [] : (list ?? []).slice(from, to + 1);
    },
  },
  ltrim: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, startArg, stopArg], { keyspace }) => {
      const [start, stop] = [safeIntArg(startArg), safeIntArg(stopArg)];
      if (isErr(start) || isErr(stop)) return Errors.notInteger();
      const list = readList(keyspace, key);
      if (isErr(list) || !list) return isErr(list) ? list : OK;
      const [from, to] = bounds(list.length, start, stop);
      const kept = from > to ? [] : list.slice(from, to + 1);
      list.splice(0, list.length, ...kept);
      keyspace.dropIfEmpty(key);
      return OK;
    },
  },
  lrem: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, countArg, value = EMPTY], { keyspace }) => {
      const count = safeIntArg(countArg);
      const list = readList(keyspace, key);
      if (isErr(count) || isErr(list) || !list) return isErr(count) ? count : isErr(list) ? list : 0n;
      const limit = count === 0 ? Infinity : Math.abs(count);
      const order = count < 0 ? [...list.keys()].reverse() : [...list.keys()];
      const doomed = new Set<number>();
      for (const i of order) if (doomed.size < limit && list[i]?.equals(value)) doomed.add(i);
      const kept = list.filter((_, i) => !doomed.has(i));
      list.splice(0, list.length, ...kept);
      keyspace.dropIfEmpty(key);
      return int(doomed.size);
    },
  },
};
