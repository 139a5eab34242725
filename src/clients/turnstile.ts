/**
 * Cloudflare Turnstile's siteverify API: is the token a browser sent a fresh,
 * unspent proof of a solved challenge? Used where a human must be told from a script:
 * sign-up, and a login past its account's limit (README "Identity"). Off unless
 * TURNSTILE_SECRET_KEY is set. A verification that cannot be made (timeout, error)
 * counts as failed: the challenge exists to refuse what it cannot vouch for.
 */
import type { Config } from "../env";
import { log } from "../lib/log";

/** The verdict on one token. */
export type TurnstileVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: "missing" | "rejected" | "unavailable" };

interface SiteverifyAnswer {
  readonly success?: unknown;
  readonly "error-codes"?: unknown;
}

const MAX_TOKEN_LENGTH = 2048;
const TIMEOUT_MS = 3000;

/**
 * Verifies `token` for the client at `remoteIp` (when known).
 *
 * @example
 * ```ts
 * const verdict = await verifyTurnstile(config, body.turnstile_token, ip);
 * if (!verdict.ok) throw new AppError(verdict.reason === "missing" ? "captcha_required" : "captcha_failed");
 * ```
 */
export async function verifyTurnstile(config: Config, token: string | undefined, remoteIp: string | undefined): Promise<TurnstileVerdict> {
  const secret = config.secrets.turnstileSecret;
  if (secret === undefined) return { ok: true };
  if (token === undefined || token === "") return { ok: false, reason: "missing" };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "rejected" };
  const form = new URLSearchParams({ secret, response: token, idempotency_key: crypto.randomUUID() });
  if (remoteIp !== undefined) form.set("remoteip", remoteIp);
  try {
    const response = await fetch(config.identity.turnstile.verifyUrl, {
      method: "POST",
      body: form,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const answer: SiteverifyAnswer = response.ok ? await response.json() : {};
    if (answer.success === true) return { ok: true };
    log.info("turnstile_rejected", { status: response.status, codes: answer["error-codes"] });
    return { ok: false, reason: response.ok ? "rejected" : "unavailable" };
  } catch (error) {
    log.warn("turnstile_unavailable", { error });
    return { ok: false, reason: "unavailable" };
  }
}
