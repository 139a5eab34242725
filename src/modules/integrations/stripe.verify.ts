/**
 * P18: a Stripe webhook is accepted only when the `stripe` package's own verification
 * (`constructEventAsync`, with its WebCrypto provider: no Node crypto in workerd) finds
 * a `v1` signature of the raw body made with one of STRIPE_WEBHOOK_SECRETS (several
 * during a rotation, newest first) within 5 minutes of the header's timestamp. Stripe's
 * check only bounds a timestamp's age; one more than 5 minutes ahead is refused here
 * too, so a header cannot be made to last longer than the window. The SDK's webhook
 * module (src/clients/stripe-webhooks.ts) loads with the first webhook, not with the app.
 */
import type Stripe from "stripe";

/** The tolerance of P18, both ways, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Why a webhook was refused (logged, never answered). */
export type SignatureRefusal = "missing_header" | "bad_signature" | "stale_timestamp" | "future_timestamp";

export type Verified = { readonly ok: true; readonly event: Stripe.Event } | { readonly ok: false; readonly reason: SignatureRefusal };

/** The secrets of STRIPE_WEBHOOK_SECRETS, in order. */
export function webhookSecrets(setting: string): readonly string[] {
  return setting
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

const TIMESTAMP = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/;

/**
 * Verifies `payload` (the raw body, as received) against the `Stripe-Signature` header.
 *
 * @example
 * ```ts
 * const verified = await verifyWebhook(await c.req.text(), c.req.header("stripe-signature"), webhookSecrets(setting));
 * ```
 */
export async function verifyWebhook(
  payload: string,
  header: string | undefined,
  secrets: readonly string[],
  nowMs: number = Date.now(),
): Promise<Verified> {
  if (header === undefined || header === "") return { ok: false, reason: "missing_header" };
  const timestamp = Number(TIMESTAMP.exec(header)?.[1] ?? Number.NaN);
  if (Number.isFinite(timestamp) && timestamp - Math.floor(nowMs / 1000) > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: "future_timestamp" };
  }
  const { webhooks, cryptoProvider, StripeSignatureVerificationError } = await import("../../clients/stripe-webhooks");
  let reason: SignatureRefusal = "bad_signature";
  for (const secret of secrets) {
    try {
      const event = await webhooks.constructEventAsync(payload, header, secret, SIGNATURE_TOLERANCE_SECONDS, cryptoProvider, nowMs);
      return { ok: true, event };
    } catch (error) {
      // Anything but the SDK's verification error is a bug (a bad payload type): let it surface.
      if (!(error instanceof StripeSignatureVerificationError)) throw error;
      // The signature matched under this secret but the timestamp is too old: no other secret changes that.
      if (error.message.startsWith("Timestamp outside the tolerance zone")) reason = "stale_timestamp";
    }
  }
  return { ok: false, reason };
}
