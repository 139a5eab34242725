/** ZUNION / ZUNIONSTORE (ratelimit analytics merges its hourly buckets with ZUNION … WITHSCORES). */
import { ErrorReply, Errors, type Reply } from "../../reply.ts";
import type { Keyspace } from "../keyspace.ts";
import { parseDouble } from "../numbers.ts";
import { EMPTY, WRITE, int, isErr, safeIntArg, word, type CommandTable } from "../spec.ts";
import { sorted, withScores, type ZSet } from "./zsets.ts";

/** ZUNION / ZUNIONSTORE: numkeys, keys (sets count as score 1), WEIGHTS, AGGREGATE. */
function zunion(args: readonly Buffer[], ks: Keyspace, store: Buffer | undefined): Reply {
  const numkeys = safeIntArg(args[0]);
  if (isErr(numkeys)) return numkeys;
  if (numkeys < 1 || numkeys > args.length - 1) return Errors.syntax();
  const keys = args.slice(1, 1 + numkeys);
  const weights = keys.map(() => 1);
  let aggregate = "SUM";
  let scores = false;
  for (let i = 1 + numkeys; i < args.length; i++) {
    const option = word(args[i]);
    if (option === "WEIGHTS") {
      for (let w = 0; w < numkeys; w++) {
        const weight = parseDouble(args[++i] ?? EMPTY);
        if (weight === null) return new ErrorReply("ERR weight value is not a float");
        weights[w] = weight;
      }
    } else if (option === "AGGREGATE" && ["SUM", "MIN", "MAX"].includes(word(args[i + 1]))) aggregate = word(args[++i]);
    else if (option === "WITHSCORES" && !store) scores = true;
    else return Errors.syntax();
  }
  const result: ZSet = new Map();
  for (const [index, key] of keys.entries()) {
    const type = ks.type(key);
    if (type !== undefined && type !== "zset" && type !== "set") return Errors.wrongType();
    const entries: [string, number][] =
      type === "set"
        ? [...((ks.read(key, "set") as Set<string> | undefined) ?? [])].map((m) => [m, 1])
        : [...((ks.read(key, "zset") as ZSet | undefined) ?? [])];
    for (const [member, raw] of entries) {
      const score = raw * (weights[index] ?? 1);
      const prior = result.get(member);
      const merged =
        prior === undefined
          ? score
          : aggregate === "MIN"
            ? Math.min(prior, score)
            : aggregate === "MAX"
              ? Math.max(prior, score)
              : prior + score;
      result.set(member, Number.isNaN(merged) ? 0 : merged);
    }
  }
  if (!store) return withScores(sorted(result), scores);
  ks.delete(store);
  if (result.size > 0) ks.put(store, { type: "zset", value: result });
  return int(result.size);
}

/** ZUNION and ZUNIONSTORE. */
export const zunionCommands: CommandTable = {
  zunion: { arity: -3, run: (args, { keyspace }) => zunion(args, keyspace, undefined) },
  zunionstore: { arity: -4, flags: WRITE, run: ([destination = EMPTY, ...args], { keyspace }) => zunion(args, keyspace, destination) },
};
