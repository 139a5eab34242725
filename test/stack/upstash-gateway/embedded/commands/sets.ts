/** Set commands, including the algebra the ratelimit deny list uses (SMISMEMBER, SDIFFSTORE, SUNIONSTORE). */
import { Errors, type ErrorReply, type Reply } from "../../reply.ts";
import { bytesOf, keyOf, type Keyspace } from "../keyspace.ts";
import { EMPTY, WRITE, int, isErr, safeIntArg, type CommandTable } from "../spec.ts";

const readSet = (ks: Keyspace, key: Buffer): Set<string> | undefined | ErrorReply => ks.read(key, "set");

/** Reads every key as a set (absent = empty); the first wrong type wins, as in Redis. */
function readAll(ks: Keyspace, keys: readonly Buffer[]): Set<string>[] | ErrorReply {
  const sets: Set<string>[] = [];
  for (const key of keys) {
    const set = readSet(ks, key);
    if (isErr(set)) return set;
    sets.push(set ?? new Set());
  }
  return sets;
}

type Algebra = "union" | "inter" | "diff";

function combine(sets: readonly Set<string>[], op: Algebra): Set<string> {
  const [first = new Set<string>(), ...rest] = sets;
  if (op === "union") return new Set(sets.flatMap((s) => [...s]));
  if (op === "inter") return new Set([...first].filter((m) => rest.every((s) => s.has(m))));
  return new Set([...first].filter((m) => !rest.some((s) => s.has(m))));
}

function algebra(ks: Keyspace, keys: readonly Buffer[], op: Algebra): Reply {
  const sets = readAll(ks, keys);
  return isErr(sets) ? sets : [...combine(sets, op)].map(bytesOf);
}

function algebraStore(ks: Keyspace, [destination = EMPTY, ...keys]: readonly Buffer[], op: Algebra): Reply {
  const sets = readAll(ks, keys);
  if (isErr(sets)) return sets;
  const result = combine(sets, op);
  ks.delete(destination);
  if (result.size > 0) ks.put(destination, { type: "set", value: result });
  return int(result.size);
}

/** SPOP / SRANDMEMBER without a count answer one member; with a count, an array. */
function pick(ks: Keyspace, args: readonly Buffer[], remove: boolean): Reply {
  const [key = EMPTY, countArg] = args;
  if (args.length > 2) return Errors.syntax();
  const count = countArg === undefined ? undefined : safeIntArg(countArg);
  if (isErr(count)) return count;
  const set = readSet(ks, key);
  if (isErr(set)) return set;
  const members = [...(set ?? [])].sort(() => Math.random() - 0.5);
  const chosen = count === undefined ? members.slice(0, 1) : members.slice(0, Math.abs(count));
  if (remove && set) {
    for (const m of chosen) set.delete(m);
    ks.dropIfEmpty(key);
  }
  if (count === undefined) return chosen[0] === undefined ? null : bytesOf(chosen[0]);
  return chosen.map(bytesOf);
}

/** Set commands by name. */
export const setCommands: CommandTable = {
  sadd: {
    arity: -3,
    flags: WRITE,
    run: ([key = EMPTY, ...members], { keyspace }) => {
      const set = keyspace.upsert(key, "set");
      if (isErr(set)) return set;
      const before = set.size;
      for (const m of members) set.add(keyOf(m));
      return int(set.size - before);
    },
  },
  srem: {
    arity: -3,
    flags: WRITE,
    run: ([key = EMPTY, ...members], { keyspace }) => {
      const set = readSet(keyspace, key);
      if (isErr(set) || !set) return set ?? 0n;
      const removed = members.filter((m) => set.delete(keyOf(m))).length;
      keyspace.dropIfEmpty(key);
      return int(removed);
    },
  },
  smembers: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const set = readSet(keyspace, key);
      return isErr(set) ? set : [...(set ?? [])].map(bytesOf);
    },
  },
  sismember: {
    arity: 3,
    run: ([key = EMPTY, member = EMPTY], { keyspace }) => {
      const set = readSet(keyspace, key);
      return isErr(set) ? set : int(set?.has(keyOf(member)) ?? false);
    },
  },
  smismember: {
    arity: -3,
    run: ([key = EMPTY, ...members], { keyspace }) => {
      const set = readSet(keyspace, key);
      return isErr(set) ? set : members.map((m) => int(set?.has(keyOf(m)) ?? false));
    },
  },
  scard: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const set = readSet(keyspace, key);
      return isErr(set) ? set : int(set?.size ?? 0);
    },
  },
  smove: {
    arity: 4,
    flags: WRITE,
    run: ([source = EMPTY, destination = EMPTY, member = EMPTY], { keyspace }) => {
      const from = readSet(keyspace, source);
      const to = readSet(keyspace, destination);
      if (isErr(from)) return from;
      if (isErr(to)) return to;
      if (!from?.delete(keyOf(member))) return 0n;
      keyspace.dropIfEmpty(source);
      const target = keyspace.upsert(destination, "set");
      if (isErr(target)) return target;
      target.add(keyOf(member));
      return 1n;
    },
  },
  spop: { arity: -2, flags: WRITE, run: (args, { keyspace }) => pick(keyspace, args, true) },
  srandmember: { arity: -2, run: (args, { keyspace }) => pick(keyspace, args, false) },
  sunion: { arity: -2, run: (keys, { keyspace }) => algebra(keyspace, keys, "union") },
  sinter: { arity: -2, run: (keys, { keyspace }) => algebra(keyspace, keys, "inter") },
  sdiff: { arity: -2, run: (keys, { keyspace }) => algebra(keyspace, keys, "diff") },
  sunionstore: { arity: -3, flags: WRITE, run: (args, { keyspace }) => algebraStore(keyspace, args, "union") },
  sinterstore: { arity: -3, flags: WRITE, run: (args, { keyspace }) => algebraStore(keyspace, args, "inter") },
  sdiffstore: { arity: -3, flags: WRITE, run: (args, { keyspace }) => algebraStore(keyspace, args, "diff") },
};
