/**
 * Upstash's JSON on the wire: request bodies in, `{result}` / `{error}` out.
 *
 * With `Upstash-Encoding: base64` every string is sent as base64 of its raw bytes,
 * except a top-level "OK", which the SDK's decoder keeps verbatim. Inside arrays
 * even "OK" is encoded: the SDK base64-decodes every string element of an array,
 * so a verbatim "OK" there would come back as garbage.
 */
import { ErrorReply, type Reply } from "./reply.ts";

/** One command: its name and arguments as raw bytes. */
export type Command = readonly Buffer[];

/** Parse outcome: the value, or the message of a 400 answer. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/**
 * One JSON command array → arguments. The SDK sends strings, and numbers and
 * booleans as JSON literals (its serializer keeps them), so those become their
 * decimal / "true" / "false" text as Upstash does; anything else is refused.
 */
export function parseCommand(value: unknown): Parsed<Command> {
  if (!Array.isArray(value) || value.length === 0) return fail("ERR a command must be a non-empty JSON array");
  const args: Buffer[] = [];
  for (const item of value as unknown[]) {
    if (typeof item === "string") args.push(Buffer.from(item, "utf8"));
    else if (typeof item === "number" && Number.isFinite(item)) args.push(Buffer.from(String(item), "latin1"));
    else if (typeof item === "boolean") args.push(Buffer.from(String(item), "latin1"));
    else return fail("ERR command arguments must be strings, numbers or booleans");
  }
  return { ok: true, value: args };
}

/** A pipeline / multi-exec body: a non-empty array of command arrays. */
export function parseCommandList(value: unknown): Parsed<Command[]> {
  if (!Array.isArray(value) || value.length === 0) return fail("ERR the body must be a non-empty JSON array of commands");
  const commands: Command[] = [];
  for (const item of value as unknown[]) {
    const parsed = parseCommand(item);
    if (!parsed.ok) return parsed;
    commands.push(parsed.value);
  }
  return { ok: true, value: commands };
}

/** JSON.parse that reports instead of throwing, for untrusted bodies. */
export function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return fail(`ERR failed to parse the request body as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function stringText(bytes: Buffer, base64: boolean, topLevel: boolean): string {
  if (!base64) return JSON.stringify(bytes.toString("utf8"));
  if (topLevel && bytes.length === 2 && bytes.toString("latin1") === "OK") return '"OK"';
  return JSON.stringify(bytes.toString("base64"));
}

/** JSON text of a reply value; bigint is written as exact digits. */
function valueText(reply: Reply, base64: boolean, topLevel: boolean): string {
  if (reply === null) return "null";
  if (typeof reply === "bigint") return reply.toString();
  if (Buffer.isBuffer(reply)) return stringText(reply, base64, topLevel);
  // An error nested in an array (a script returning {1, {err=…}}) has no JSON slot of
  // its own, so it travels as its text, like the bulk strings beside it.
  if (reply instanceof ErrorReply) return stringText(Buffer.from(reply.message, "utf8"), base64, false);
  return `[${reply.map((item) => valueText(item, base64, false)).join(",")}]`;
}

/** `{"result":…}` or, for an error reply, `{"error":"…"}` (errors are never encoded). */
export function envelope(reply: Reply, base64: boolean): string {
  if (reply instanceof ErrorReply) return errorEnvelope(reply.message);
  return `{"result":${valueText(reply, base64, true)}}`;
}

/** `{"error":"…"}` for failures outside a reply (bad body, token, outage). */
export function errorEnvelope(message: string): string {
  return JSON.stringify({ error: message });
}
