/** The shape of an embedded command and the small helpers every command file uses. */
import { ErrorReply, Errors, type Reply } from "../reply.ts";
import type { Keyspace } from "./keyspace.ts";
import { parseInt64, parseSafeInt } from "./numbers.ts";

/** What EVAL and SCRIPT need; the store provides it so command files never import the VM. */
export interface Scripting {
  eval(script: Buffer, numkeysAndArgs: readonly Buffer[], readOnly: boolean): Reply;
  evalsha(sha: Buffer, numkeysAndArgs: readonly Buffer[], readOnly: boolean): Reply;
  load(script: Buffer): Reply;
  exists(shas: readonly Buffer[]): Reply;
  flush(): void;
}

/** What every command runs against. */
export interface Context {
  readonly keyspace: Keyspace;
  readonly scripting: Scripting;
}

/** `write`: refused in read-only scripts; `noscript`: not callable from Lua (EVAL, SCRIPT). */
export type Flag = "write" | "noscript";

/** One command: arity, flags and its implementation. */
export interface CommandSpec {
  /** Redis' convention, counting the name: n = exactly n, -n = at least n. */
  readonly arity: number;
  readonly flags?: readonly Flag[];
  /** `args` excludes the command name. */
  readonly run: (args: readonly Buffer[], ctx: Context) => Reply;
}

/** Commands by lower-case name. */
export type CommandTable = Readonly<Record<string, CommandSpec>>;

/** Default for absent arguments (arity checks make them present; the type system cannot know). */
export const EMPTY = Buffer.alloc(0);
/** Flags of a command that writes. */
export const WRITE: readonly Flag[] = ["write"];

/** An integer argument, or the error Redis gives for a bad one. */
export function intArg(bytes: Buffer | undefined): bigint | ErrorReply {
  return (bytes && parseInt64(bytes)) ?? Errors.notInteger();
}

/** A count / index argument within JS' safe integer range. */
export function safeIntArg(bytes: Buffer | undefined): number | ErrorReply {
  return (bytes && parseSafeInt(bytes)) ?? Errors.notInteger();
}

/** An integer reply from a count or a boolean (1 / 0). */
export const int = (n: number | bigint | boolean): bigint => (typeof n === "boolean" ? (n ? 1n : 0n) : BigInt(n));

/** Upper-case option word, for case-insensitive option parsing. */
export const word = (bytes: Buffer | undefined): string => (bytes ?? EMPTY).toString("latin1").toUpperCase();

/** Narrows a result to the error reply it may be. */
export const isErr = (value: unknown): value is ErrorReply => value instanceof ErrorReply;

/** Arguments in pairs (field value …); false when the count is odd. */
export function pairs(args: readonly Buffer[], from: number): [Buffer, Buffer][] | false {
  if ((args.length - from) % 2 !== 0) return false;
  const out: [Buffer, Buffer][] = [];
  for (let i = from; i < args.length; i += 2) out.push([args[i] ?? EMPTY, args[i + 1] ?? EMPTY]);
  return out;
}
