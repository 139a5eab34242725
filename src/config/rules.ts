/**
 * The zod rules configuration values share: non-empty text, secrets of a minimum
 * length, service URLs that are secure except on loopback, origins.
 */
import { z } from "zod";
import { isSafeServiceUrl, parseUrl } from "../lib/urls";

/** Trimmed, non-empty text. */
export const text = z.string().trim().min(1);

/** A secret of at least `minLength` characters (never trimmed: whitespace may be part of it). */
export const secret = (minLength: number) => z.string().min(minLength);

/** A service URL: `secure` scheme, or `insecure` only on a loopback host; never with credentials. */
export const serviceUrl = (secure: string, insecure: string) =>
  text.refine(
    (v) => {
      const u = parseUrl(v);
      return u !== undefined && isSafeServiceUrl(u, secure, insecure);
    },
    { message: `must be a ${secure}// URL (${insecure}// only on a loopback host), without credentials` },
  );

/** An https:// URL. */
export const httpsUrl = text.refine((v) => parseUrl(v)?.protocol === "https:", { message: "must be an https:// URL" });

/** A web origin (scheme, host, optional port; nothing else): https, or http on a loopback host. */
export const origin = serviceUrl("https:", "http:").refine((v) => parseUrl(v)?.origin === v.replace(/\/$/, ""), {
  message: "must be an origin (scheme://host[:port]) with nothing after it",
});

/** A whole number from a string binding, within bounds. */
export const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
