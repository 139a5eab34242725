/**
 * Lua script shebangs. `@upstash/ratelimit` ≥ 2.1 starts its scripts with
 * `#!lua flags=allow-key-locking`, a flag only Upstash knows: stock Redis 7 rejects
 * it ("Unexpected flag in script shebang"), and ioredis-mock's Lua refuses any
 * shebang line (a syntax error). Each backend gets the script rewritten for it;
 * client-backend.ts keeps the SDK's sha working by mapping sha1(original) ↔ sha1(rewritten).
 */
import { createHash } from "node:crypto";

/** Flags Upstash adds; they only matter to Upstash's own scheduler. */
export const UPSTASH_ONLY_FLAGS: ReadonlySet<string> = new Set(["allow-key-locking"]);

/** Hex sha1, the name Redis gives a script. */
export const sha1hex = (data: Uint8Array | string): string => createHash("sha1").update(data).digest("hex");

/** A parsed `#!lua flags=…` first line. */
export interface Shebang {
  readonly engine: string;
  readonly flags: readonly string[];
  /** Tokens other than `flags=…`; Redis rejects them. */
  readonly unknown: readonly string[];
  /** The script after the shebang line, starting with its newline (keeps line numbers). */
  readonly rest: Buffer;
}

/** Reads a leading `#!engine [flags=a,b]` line, or null when the script has none. */
export function parseShebang(script: Buffer): Shebang | null {
  if (script.length < 2 || script[0] !== 0x23 || script[1] !== 0x21) return null;
  const eol = script.indexOf(0x0a);
  const line = script
    .subarray(2, eol === -1 ? script.length : eol)
    .toString("latin1")
    .replace(/\r$/, "");
  const [engine = "", ...tokens] = line.split(" ").filter((t) => t.length > 0);
  const flags: string[] = [];
  const unknown: string[] = [];
  for (const token of tokens) {
    if (token.startsWith("flags="))
      flags.push(
        ...token
          .slice("flags=".length)
          .split(",")
          .filter((f) => f.length > 0),
      );
    else unknown.push(token);
  }
  return { engine, flags, unknown, rest: eol === -1 ? Buffer.alloc(0) : script.subarray(eol) };
}

/**
 * The script as stock Redis will accept it: Upstash-only flags dropped, the rest
 * of the shebang and every other line untouched. Returns the input when nothing
 * needs to change, so scripts without the flag keep their own sha.
 */
export function rewriteForRedis(script: Buffer): Buffer {
  const shebang = parseShebang(script);
  if (!shebang || shebang.engine !== "lua" || !shebang.flags.some((f) => UPSTASH_ONLY_FLAGS.has(f))) return script;
  const kept = shebang.flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
  const head = `#!lua${kept.length > 0 ? ` flags=${kept.join(",")}` : ""}${shebang.unknown.map((t) => ` ${t}`).join("")}`;
  return Buffer.concat([Buffer.from(head, "latin1"), shebang.rest]);
}

/**
 * The script as ioredis-mock will run it: a `#!lua` line becomes an empty line (so
 * line numbers in error texts still match), its flags are dropped. The mock knows
 * none of them: `no-writes` is not enforced there. Other scripts are returned as is.
 */
export function stripShebang(script: Buffer): Buffer {
  const shebang = parseShebang(script);
  return shebang?.engine === "lua" ? shebang.rest : script;
}
