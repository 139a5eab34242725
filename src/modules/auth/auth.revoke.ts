/**
 * Revoking sessions at once from the auth routes: the revocation marks (stage 4
 * reads them) are written before the answer; when Redis refuses, they are retried
 * after the response and a `session_revocation_delayed` event is recorded.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { revokeAtOnce } from "../../pipeline/authenticate";
import { afterResponse, recordEvent } from "./auth.events";

/** Marks `sessionIds` revoked for their outstanding access tokens. */
export async function revokeNow(c: Context<AppEnv>, userId: string | undefined, sessionIds: readonly string[]): Promise<void> {
  const immediate = await revokeAtOnce(c.env.edge.config, sessionIds, (work) => afterResponse(c, work));
  if (!immediate) recordEvent(c, "session_revocation_delayed", { userId, details: { sessions: sessionIds.length } });
}
