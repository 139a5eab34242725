/**
 * The bits of the Postgres wire protocol (v3) the PGlite WebSocket front needs:
 * cutting the frontend byte stream into messages, building the few backend messages
 * a server sends at login, and reading the status of the last ReadyForQuery.
 */
import { protocolViolation } from "./errors.ts";

export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
/** Upper bound for one frontend message; larger means a broken stream, not a real query. */
const MAX_MESSAGE = 256 * 1024 * 1024;

/** A startup-phase packet: length-prefixed, no type byte. */
export interface StartupPacket {
  readonly code: number;
  readonly body: Buffer;
}

/** A typed frontend message, with its bytes (type byte + length + payload) kept for forwarding. */
export interface FrontendMessage {
  readonly type: string;
  readonly bytes: Buffer;
}

/** Takes one startup packet off the front of `buf`, or returns undefined if it is not all there yet. */
export function takeStartupPacket(buf: Buffer): { packet: StartupPacket; rest: Buffer } | undefined {
  if (buf.length < 8) return undefined;
  const length = buf.readInt32BE(0);
  if (length < 8 || length > 10_000) throw protocolViolation(`invalid length of startup packet: ${length}`);
  if (buf.length < length) return undefined;
  return { packet: { code: buf.readInt32BE(4), body: buf.subarray(8, length) }, rest: buf.subarray(length) };
}

/** Splits off all complete typed messages; the incomplete tail is returned as `rest`. */
export function takeMessages(buf: Buffer): { messages: FrontendMessage[]; rest: Buffer } {
  const messages: FrontendMessage[] = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const length = buf.readInt32BE(at + 1);
    if (length < 4 || length > MAX_MESSAGE) throw protocolViolation(`invalid message length ${length}`);
    if (buf.length - at < 1 + length) break;
    messages.push({ type: String.fromCharCode(buf[at] as number), bytes: buf.subarray(at, at + 1 + length) });
    at += 1 + length;
  }
  return { messages, rest: buf.subarray(at) };
}

/** Reads the NUL-terminated key/value pairs of a StartupMessage body. */
export function startupParams(body: Buffer): Map<string, string> {
  const parts = body.toString("utf8").split("\0");
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i] !== ""; i += 2) params.set(parts[i] as string, parts[i + 1] as string);
  return params;
}

/** The first C string of a message payload (statement name of Parse, target of Close after its kind byte). */
export function cString(bytes: Buffer, offset: number): string {
  const end = bytes.indexOf(0, offset);
  return bytes.toString("utf8", offset, end < 0 ? bytes.length : end);
}

function message(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

function int32s(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeInt32BE(v, 4 * i));
  return b;
}

export const authenticationOk = (): Buffer => message("R", int32s(0));
export const parameterStatus = (name: string, value: string): Buffer => message("S", Buffer.from(`${name}\0${value}\0`, "utf8"));
export const backendKeyData = (pid: number, secret: number): Buffer => message("K", int32s(pid, secret));
export const readyForQuery = (status: "I" | "T" | "E"): Buffer => message("Z", Buffer.from(status, "latin1"));

/** ErrorResponse with the usual fields (S/V severity, C code, M message, optional R routine). */
export function errorResponse(fields: { severity: string; code: string; message: string; routine?: string; detail?: string }): Buffer {
  const parts = [`S${fields.severity}`, `V${fields.severity}`, `C${fields.code}`, `M${fields.message}`];
  if (fields.detail) parts.push(`D${fields.detail}`);
  if (fields.routine) parts.push(`R${fields.routine}`);
  return message("E", Buffer.from(`${parts.join("\0")}\0\0`, "utf8"));
}

/** Frontend Close (of a prepared statement 'S' or portal 'P') and Sync, to clean up after a session. */
export function closeMessage(kind: "S" | "P", name: string): Buffer {
  return message("C", Buffer.from(`${kind}${name}\0`, "utf8"));
}
export const syncMessage = (): Buffer => message("S", Buffer.alloc(0));
export const queryMessage = (text: string): Buffer => message("Q", Buffer.from(`${text}\0`, "utf8"));

/**
 * The transaction status of the LAST backend message if it is a ReadyForQuery, else
 * undefined (the client is mid-way through an extended query and will send more).
 */
export function trailingReadyStatus(out: Uint8Array): string | undefined {
  let at = 0;
  let lastType = -1;
  let lastAt = 0;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  while (out.length - at >= 5) {
    lastType = out[at] as number;
    lastAt = at;
    at += 1 + view.getInt32(at + 1);
  }
  return lastType === 0x5a ? String.fromCharCode(out[lastAt + 5] as number) : undefined;
}
