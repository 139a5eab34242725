/**
 * One string field of a request's JSON body, for stages that key or decide on it
 * before the handler (the account a credential request names, a Turnstile token).
 * Only a JSON body, which the body stage has parsed and cached already: reading any
 * other body here would consume it before the route's own parser.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/** The string value of `field` in the JSON body, or `undefined` (no JSON body, not a string). */
export async function bodyField(c: Context<AppEnv>, field: string): Promise<string | undefined> {
  if (c.req.raw.body === null || !JSON_TYPE.test(c.req.header("content-type") ?? "")) return undefined;
  try {
    // Hono's body cache: no second parse.
    const body: unknown = await c.req.json();
    const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[field] : undefined;
    return typeof value === "string" ? value : undefined;
  } catch {
    // Not JSON: the body stages answer that; there is simply no field to read.
    return undefined;
  }
}
