/** Argument parsing for ZADD and the ZRANGE family, with Redis 7's error texts. */
import { ErrorReply, Errors } from "../../reply.ts";
import { parseDouble } from "../numbers.ts";
import { EMPTY, isErr, safeIntArg, word } from "../spec.ts";

/** One end of a score range. */
export interface ScoreRange {
  readonly value: number;
  readonly exclusive: boolean;
}

/** `1.5`, `(1.5`, `-inf`, `+inf` → bound. */
function bound(bytes: Buffer | undefined): ScoreRange | null {
  const text = bytes ?? EMPTY;
  const exclusive = text[0] === 0x28; /* ( */
  const value = parseDouble(exclusive ? text.subarray(1) : text);
  return value === null ? null : { value, exclusive };
}

/** Parses ZCOUNT / ZRANGEBYSCORE bounds. */
export function scoreRange(min: Buffer | undefined, max: Buffer | undefined): { min: ScoreRange; max: ScoreRange } | ErrorReply {
  const [lo, hi] = [bound(min), bound(max)];
  return lo && hi ? { min: lo, max: hi } : new ErrorReply("ERR min or max is not a float");
}

/** ZADD option words. */
export type ZAddFlag = "NX" | "XX" | "GT" | "LT" | "CH" | "INCR";

/** ZADD options and score/member pairs; ZINCRBY is ZADD INCR with exactly one pair. */
export function zaddOptions(args: readonly Buffer[], incrOnly: boolean): { flags: Set<ZAddFlag>; pairs: [number, Buffer][] } | ErrorReply {
  const flags = new Set<ZAddFlag>(incrOnly ? ["INCR"] : []);
  let i = 0;
  if (!incrOnly) {
    for (; i < args.length; i++) {
      const option = word(args[i]);
      if (!["NX", "XX", "GT", "LT", "CH", "INCR"].includes(option)) break;
      flags.add(option as ZAddFlag);
    }
  }
  const rest = args.slice(i);
  if (rest.length === 0 || rest.length % 2 !== 0) return Errors.syntax();
  if (flags.has("NX") && flags.has("XX")) return new ErrorReply("ERR XX and NX options at the same time are not compatible");
  if ((flags.has("GT") && flags.has("LT")) || (flags.has("NX") && (flags.has("GT") || flags.has("LT")))) {
    return new ErrorReply("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (flags.has("INCR") && rest.length > 2) return new ErrorReply("ERR INCR option supports a single increment-element pair");
  const pairs: [number, Buffer][] = [];
  for (let p = 0; p < rest.length; p += 2) {
    const score = parseDouble(rest[p] ?? EMPTY);
    if (score === null) return Errors.notFloat();
    pairs.push([score, rest[p + 1] ?? EMPTY]);
  }
  return { flags, pairs };
}

/** A parsed ZRANGE: by index or by score. */
export type RangeArgs =
  | { mode: "index"; start: number; stop: number; rev: boolean; withScores: boolean }
  | {
      mode: "score";
      range: { min: ScoreRange; max: ScoreRange };
      rev: boolean;
      withScores: boolean;
      limit?: { offset: number; count: number };
    };

/** `start stop [BYSCORE] [REV] [LIMIT offset count] [WITHSCORES]`; `forced` covers ZREVRANGE / ZRANGEBYSCORE. */
export function zrangeArgs(args: readonly Buffer[], forced: { byScore?: boolean; rev?: boolean }): RangeArgs | ErrorReply {
  const [first, second] = args;
  let byScore = forced.byScore ?? false;
  let rev = forced.rev ?? false;
  let withScores = false;
  let limit: { offset: number; count: number } | undefined;
  for (let i = 2; i < args.length; i++) {
    const option = word(args[i]);
    if (option === "WITHSCORES") withScores = true;
    else if (option === "BYSCORE" && forced.byScore === undefined) byScore = true;
    else if (option === "REV" && forced.rev === undefined && forced.byScore === undefined) rev = true;
    else if (option === "LIMIT" && i + 2 < args.length) {
      const [offset, count] = [safeIntArg(args[i + 1]), safeIntArg(args[i + 2])];
      if (isErr(offset) || isErr(count)) return Errors.notInteger();
      limit = { offset, count };
      i += 2;
    } else if (option === "BYLEX") return new ErrorReply("ERR BYLEX is not supported by the embedded Upstash stand-in");
    else return Errors.syntax();
  }
  if (!byScore) {
    if (limit) return new ErrorReply("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    const [start, stop] = [safeIntArg(first), safeIntArg(second)];
    if (isErr(start) || isErr(stop)) return Errors.notInteger();
    return { mode: "index", start, stop, rev, withScores };
  }
  // In reverse order Redis takes the bounds as "max min".
  const range = rev ? scoreRange(second, first) : scoreRange(first, second);
  if (isErr(range)) return range;
  return { mode: "score", range, rev, withScores, ...(limit ? { limit } : {}) };
}
