/**
 * Stage 3 after the route matched: content type, body limit, JSON parse, in that
 * order (cheap header checks first, then the bounded read, then the parse).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { limitBody } from "./body-limit";
import { requireMediaType } from "./content-type";
import { parseJsonBody } from "./json-body";

export { DEFAULT_BODY_LIMIT, limitBody } from "./body-limit";
export { streamedBody } from "./stream-body";
export { hasBody, requireMediaType } from "./content-type";
export { parseJsonBody } from "./json-body";
export { buildMethodIndex, routeNotMatched, type MethodIndex, type RegisteredRoute } from "./method";

/** What a route declares about its body. */
export interface BodyPolicy {
  /** Accepted media types, e.g. `["application/json"]`. */
  readonly mediaTypes: readonly string[];
  readonly maxBytes: number;
  /** Parse the body as JSON (routes that declare a JSON body); else it is only bounded. */
  readonly parseJson: boolean;
}

/**
 * The body stages for one route, in order.
 *
 * @example
 * ```ts
 * requestBody({ mediaTypes: ["application/json"], maxBytes: 65536, parseJson: true });
 * ```
 */
export function requestBody(policy: BodyPolicy): MiddlewareHandler<AppEnv>[] {
  // The stages hold no per-route state: routes with the same policy share them (built once, at start-up).
  const key = `${policy.mediaTypes.join(",")}|${policy.maxBytes}|${policy.parseJson}`;
  let stages = shared.get(key);
  if (stages === undefined) {
    stages = [requireMediaType(policy.mediaTypes), limitBody(policy.maxBytes)];
    if (policy.parseJson) stages.push(parseJsonBody());
    shared.set(key, stages);
  }
  return [...stages];
}

const shared = new Map<string, MiddlewareHandler<AppEnv>[]>();
