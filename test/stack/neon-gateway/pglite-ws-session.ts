/**
 * One WebSocket /v2 client on PGlite: the gateway answers the startup phase itself
 * (SSLRequest refusal, login), then forwards complete frontend messages to
 * `db.execProtocolRaw` and sends back what PGlite answers. The backend lock is held
 * while the session is inside a transaction or an unfinished extended query, so two
 * clients never interleave inside each other's transactions.
 */
import type { WebSocket } from "ws";
import { messageBytes } from "./backend.ts";
import { asGatewayError, protocolViolation } from "./errors.ts";
import type { PgliteContext, WsOwner } from "./pglite-context.ts";
import { loginSession, startupUser } from "./pglite-login.ts";
import { changesRole } from "./role-guard.ts";
import * as wire from "./wire.ts";

/** A simple Query or an extended Parse whose SQL would change the session's role. */
function refusesRoleChange(m: wire.FrontendMessage): boolean {
  if (m.type === "Q") return changesRole(wire.cString(m.bytes, 5));
  if (m.type === "P") return changesRole(wire.cString(m.bytes, 5 + Buffer.byteLength(wire.cString(m.bytes, 5)) + 1));
  return false;
}

export class PgliteWsSession {
  readonly #ws: WebSocket;
  readonly #ctx: PgliteContext;
  readonly #onGone: () => void;
  #buffer: Buffer = Buffer.alloc(0);
  #phase: "startup" | "ready" | "closed" = "startup";
  #owner: WsOwner | null = null;
  #holding = false;
  /** Whether a message other than a pipelined password has been sent since login. */
  #spoke = false;
  /** Named prepared statements, closed when the session ends (the backend is shared). */
  readonly #statements = new Set<string>();
  /** Steps run one after the other: messages, then the cleanup on close. */
  #chain: Promise<void> = Promise.resolve();
  #finished!: () => void;
  /** Settles once the session is cleaned up after its socket closed. */
  readonly finished = new Promise<void>((resolve) => {
    this.#finished = resolve;
  });

  constructor(ws: WebSocket, ctx: PgliteContext, onGone: () => void) {
    this.#ws = ws;
    this.#ctx = ctx;
    this.#onGone = onGone;
    ws.on("message", (data) => {
      if (this.#phase !== "closed") this.#enqueue(() => this.#receive(messageBytes(data)));
    });
    ws.on("close", () => {
      this.#phase = "closed";
      this.#enqueue(() => this.#cleanup());
      void this.#chain.then(this.#finished);
    });
    ws.on("error", (err) => {
      console.warn(`[neon-gateway] WebSocket error: ${err.message}`);
    });
  }

  /** Drops the connection (gateway shutdown); the cleanup runs from the close event. */
  terminate(): void {
    this.#ws.terminate();
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: unknown) => {
      this.#fail(err);
    });
  }

  #send(bytes: Uint8Array): void {
    if (bytes.length > 0 && this.#ws.readyState === this.#ws.OPEN) this.#ws.send(bytes);
  }

  /** Answers a failure as a real server would (FATAL ErrorResponse, then the connection closes). */
  #fail(err: unknown): void {
    const answer = asGatewayError(err);
    if (!answer) console.error("[neon-gateway] PGlite WebSocket session failed:", err);
    const body = answer?.body ?? {
      message: `Neon gateway internal error: ${err instanceof Error ? err.message : String(err)}`,
      code: "XX000",
    };
    this.#send(
      wire.errorResponse({
        severity: "FATAL",
        code: body.code ?? "XX000",
        message: body.message,
        ...(body.routine ? { routine: body.routine } : {}),
      }),
    );
    if (this.#phase !== "closed") {
      this.#phase = "closed";
      this.#ws.close();
    }
  }

  async #receive(bytes: Buffer): Promise<void> {
    this.#buffer = this.#buffer.length > 0 ? Buffer.concat([this.#buffer, bytes]) : bytes;
    while (this.#phase === "startup") {
      const taken = wire.takeStartupPacket(this.#buffer);
      if (!taken) return;
      this.#buffer = taken.rest;
      await this.#startup(taken.packet);
    }
    if (this.#phase !== "ready") return;
    const { messages, rest } = wire.takeMessages(this.#buffer);
    this.#buffer = rest;
    if (messages.length > 0) await this.#forward(messages);
  }

  async #startup(packet: wire.StartupPacket): Promise<void> {
    switch (packet.code) {
      case wire.SSL_REQUEST:
      case wire.GSSENC_REQUEST:
        // No TLS inside the tunnel (the driver's default is forceDisablePgSSL); "N" lets the client go on in clear.
        this.#send(Buffer.from("N"));
        return;
      case wire.CANCEL_REQUEST:
        // PGlite runs a statement to completion synchronously: there is never anything to cancel.
        this.#phase = "closed";
        this.#ws.close();
        return;
      case wire.PROTOCOL_3_0:
        await this.#login(wire.startupParams(packet.body));
        return;
      default:
        throw protocolViolation(
          `unsupported frontend protocol ${packet.code >>> 16}.${packet.code & 0xffff}: server supports 3.0`,
          "0A000",
        );
    }
  }

  async #login(params: Map<string, string>): Promise<void> {
    const user = startupUser(params);
    const owner: WsOwner = { role: this.#ctx.roleFor(user), saved: null, alive: true };
    await this.#ctx.acquire(owner);
    try {
      this.#send(await loginSession(this.#ctx, owner, params, user));
      this.#owner = owner;
      this.#phase = "ready";
    } finally {
      this.#ctx.lock.release(owner);
    }
  }

  async #forward(messages: wire.FrontendMessage[]): Promise<void> {
    const batch: Buffer[] = [];
    let terminate = false;
    for (const m of messages) {
      if (m.type === "X") {
        terminate = true;
        break;
      }
      // pipelineConnect: "password" sends the password before being asked; the emulated login is trust, so it is dropped.
      if (m.type === "p" && !this.#spoke) continue;
      this.#spoke = true;
      if (this.#owner?.role && refusesRoleChange(m)) {
        // Postgres would answer ERROR and carry on; closing is the simplest faithful-enough answer here.
        this.#send(
          wire.errorResponse({
            severity: "ERROR",
            code: "42501",
            message: "permission denied to set role (the gateway's emulated login may not change role)",
          }),
        );
        this.#phase = "closed";
        this.#ws.close();
        return;
      }
      this.#track(m);
      batch.push(m.bytes);
    }
    if (batch.length > 0) await this.#execute(Buffer.concat(batch));
    if (terminate) {
      this.#phase = "closed";
      this.#ws.close();
    }
  }

  #track(m: wire.FrontendMessage): void {
    if (m.type === "P") {
      const name = wire.cString(m.bytes, 5);
      if (name) this.#statements.add(name);
    } else if (m.type === "C" && m.bytes[5] === 0x53) {
      this.#statements.delete(wire.cString(m.bytes, 6));
    }
  }

  async #execute(bytes: Buffer): Promise<void> {
    const owner = this.#owner;
    if (!owner) throw new Error("PgliteWsSession: message before login");
    if (!this.#holding) {
      await this.#ctx.acquire(owner);
      this.#holding = true;
    }
    await this.#ctx.enter(owner);
    const out = await this.#ctx.db.execProtocolRaw(bytes);
    this.#send(out);
    // Keep the backend while in a transaction ('T'/'E') or mid extended query (no trailing ReadyForQuery).
    if (wire.trailingReadyStatus(out) === "I") {
      this.#holding = false;
      this.#ctx.lock.release(owner);
    }
  }

  async #cleanup(): Promise<void> {
    this.#onGone();
    const owner = this.#owner;
    if (!owner) return;
    this.#owner = null;
    // Nothing of a closed session is worth saving if another client gets the backend first.
    owner.alive = false;
    const wasHolding = this.#holding;
    if (!this.#holding) await this.#ctx.acquire(owner);
    this.#holding = true;
    try {
      const { db } = this.#ctx;
      if (wasHolding) {
        // Finish an interrupted extended query, then end the transaction a vanished client left open.
        await db.execProtocolRaw(wire.syncMessage());
        if (db.isInTransaction()) await db.execProtocolRaw(wire.queryMessage("ROLLBACK"));
      }
      if (this.#statements.size > 0) {
        await db.execProtocolRaw(Buffer.concat([...[...this.#statements].map((name) => wire.closeMessage("S", name)), wire.syncMessage()]));
      }
      await this.#ctx.forget(owner);
    } finally {
      this.#holding = false;
      this.#ctx.lock.release(owner);
    }
  }
}
