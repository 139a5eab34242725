/**
 * P1 HTTPS only. A plain-http request is never served: GET/HEAD are redirected
 * (308, method and body preserved by the client) to the same URL over https, any
 * other method is refused with 400 before its body is read. A request negotiated
 * below the minimum TLS version (`request.cf.tlsVersion`, when the platform reports
 * it) is refused with 426. The single exception is the configured local dev origin
 * (its port under each loopback name; see `parseLocalDevOrigin`), which has no TLS to check.
 */
import { AppError } from "../../http/errors";
import { TLS_VERSIONS, type TlsVersion } from "../../config/tls";
import type { RequestHead } from "../../http/request-head";
import { err, PASS, type Result } from "../../lib/result";

/** What the transport check needs from a request. */
export interface TransportFacts {
  readonly url: string;
  readonly method: string;
  /** `request.cf.tlsVersion`; absent when the runtime does not report it. */
  readonly tlsVersion: unknown;
}

/** What the transport check needs from the config. */
export interface TransportPolicy {
  readonly minTlsVersion: TlsVersion;
  /** Origins served over plain http (the local dev origin under each loopback name); empty in production. */
  readonly localDevOrigins: readonly string[];
}

/** Why a request is refused at the transport level. */
export type TransportRefusal =
  | { readonly kind: "plain_http_redirect"; readonly location: string }
  | { readonly kind: "plain_http_refused" }
  | { readonly kind: "tls_too_low"; readonly negotiated: string; readonly minimum: TlsVersion };

// `TLSv1`, `TLSv1.2`, ... → minor version; future `TLSv1.4` ranks above 1.3.
const TLS_NAME = /^TLSv1(?:\.(\d{1,2}))?$/;
const rankOf = (name: string): number | undefined => {
  const match = TLS_NAME.exec(name);
  return match ? Number(match[1] ?? 0) : undefined;
};
const MIN_RANKS: Readonly<Record<TlsVersion, number>> = Object.fromEntries(TLS_VERSIONS.map((v) => [v, rankOf(v) ?? 0])) as Record<
  TlsVersion,
  number
>;

/**
 * Decides whether a request's transport is acceptable. Pure: no I/O, no clock.
 *
 * @example
 * ```ts
 * checkTransport({ url: "http://api.example/x", method: "GET", tlsVersion: undefined }, policy);
 * // → err({ kind: "plain_http_redirect", location: "https://api.example/x" })
 * ```
 */
export function checkTransport(facts: TransportFacts, policy: TransportPolicy): Result<void, TransportRefusal> {
  if (!facts.url.startsWith("https:")) {
    // The origin, then a `/`: compared in place, nothing built per request.
    for (const origin of policy.localDevOrigins)
      if (facts.url.startsWith(origin) && facts.url.charCodeAt(origin.length) === 47) return PASS;
    if (facts.method !== "GET" && facts.method !== "HEAD") return err({ kind: "plain_http_refused" });
    const target = new URL(facts.url);
    target.protocol = "https:";
    // The http port means nothing for https: use the default port.
    target.port = "";
    return err({ kind: "plain_http_redirect", location: target.href });
  }
  const negotiated = facts.tlsVersion;
  if (negotiated === undefined || negotiated === null || negotiated === "") return PASS;
  // Unknown names (SSLv3, garbage) rank as too low: fail closed.
  const rank = typeof negotiated === "string" ? rankOf(negotiated) : undefined;
  if (rank !== undefined && rank >= MIN_RANKS[policy.minTlsVersion]) return PASS;
  return err({
    kind: "tls_too_low",
    negotiated: typeof negotiated === "string" ? negotiated : `(${typeof negotiated})`,
    minimum: policy.minTlsVersion,
  });
}

/** The `Upgrade` value naming the protocol a refused client must use, e.g. `TLS/1.3`. */
export function upgradeFor(minimum: TlsVersion): string {
  return `TLS/1.${MIN_RANKS[minimum]}`;
}

/**
 * Applies the verdict: `undefined` to go on, a 308 redirect to send instead, or
 * an {@link AppError} (400 `https_required`, 426 `tls_version_too_low`) thrown.
 * Runs before any body is read or any route is matched.
 */
export function enforceTransport(request: Request, head: RequestHead, policy: TransportPolicy): Response | undefined {
  const url = head.url;
  // `cf` (a call into the runtime) is read only where its answer counts: over https.
  const tlsVersion = url.startsWith("https:") ? request.cf?.tlsVersion : undefined;
  const verdict = checkTransport({ url, method: head.method, tlsVersion }, policy);
  if (verdict.ok) return undefined;
  const refusal = verdict.error;
  switch (refusal.kind) {
    case "plain_http_redirect":
      return new Response(null, { status: 308, headers: { Location: refusal.location } });
    case "plain_http_refused":
      throw new AppError("https_required");
    case "tls_too_low":
      throw new AppError("tls_version_too_low", {
        detail: `This API requires ${refusal.minimum} or newer.`,
        headers: { Upgrade: upgradeFor(refusal.minimum) },
      });
  }
}
