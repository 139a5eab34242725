/**
 * Stage 2, the WAF (P3), run by the edge: after the transport checks,
 * before the router, no I/O. It builds the engine's view of the request (the raw
 * target, the headers, the whole body), runs the rules of the configured paranoia
 * level and scores them. At the threshold the request is refused with 403
 * `waf_blocked`, whose body carries the request id only: the matched rule ids go
 * to the `security.waf_blocked` event, never to the client, who would use them to
 * walk around a rule. In log-only mode the event is `security.waf_would_block`
 * and the request goes on.
 *
 * It fails safe, whatever the mode: a body on a method that takes none is 400
 * `body_not_allowed`, and a body it cannot inspect whole (too large, too slow,
 * broken) is refused (413, 408, 400; see body.ts), never handed on uninspected.
 */
import type { RequestHead } from "../../http/request-head";
import type { EdgeRequest } from "../../context";
import { AppError } from "../../http/errors";
import { securityEvent } from "../../lib/security-events";
import { readBodyBounded, refuseBody, WAF_INSPECTION_CAP } from "./body";
import { compileRules, inspect, limitExceeded, scoreOf, type CompiledRules, type ExclusionTest } from "./engine";
import { excerpt } from "./normalise";
import type { WafRoute, WafRouteIndex } from "./routes";
import type { Paranoia, WafMatch, WafRequest } from "./types";

/**
 * Methods that never carry a body here. RFC 9110 gives content in GET, HEAD,
 * DELETE and OPTIONS requests no defined semantics (TRACE and CONNECT forbid or
 * lack it), and no route of the API takes one on them: such a body is refused,
 * never read or handed on (a GET body is also a request-smuggling vector).
 */
const BODILESS_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/** Options of {@link waf}. */
export interface WafOptions {
  /** Route facts (body limits, exclusions), filled once the modules are mounted. */
  readonly routes: WafRouteIndex;
}

/** The WAF part of the configuration (`WAF_MODE`, `WAF_PARANOIA`, `WAF_THRESHOLD`). */
export interface WafConfig {
  readonly mode: "block" | "log";
  readonly paranoia: Paranoia;
  readonly threshold: number;
}

function report(
  type: "waf_blocked" | "waf_would_block" | "waf_inspection_limit",
  requestId: string,
  request: WafRequest,
  path: string,
  matches: readonly WafMatch[],
  score: number,
  config: WafConfig,
): void {
  const first = matches.find((m) => m.kind !== "request") ?? matches[0];
  securityEvent(type, {
    request_id: requestId,
    rule_ids: [...new Set(matches.map((m) => m.id))],
    groups: [...new Set(matches.map((m) => m.group))],
    score,
    paranoia: config.paranoia,
    threshold: config.threshold,
    method: excerpt(request.method, 16),
    path: excerpt(path, 128),
    target: first === undefined ? "" : excerpt(first.target, 64),
    // Never a header value that may hold credentials: those are not targets at all.
    excerpt: first === undefined ? "" : excerpt(first.value, 64),
  });
}

/**
 * The WAF stage, run by the edge before the router (not a middleware of its own:
 * no router work for a request it refuses). It refuses by throwing; it returns a
 * promise only when it has a body to read, so a GET costs no promise at all.
 *
 * @example
 * ```ts
 * const inFront = edge({ stages: [waf({ routes })] });
 * ```
 */
export function waf(options: WafOptions): (edge: EdgeRequest, head: RequestHead) => Promise<void> | undefined {
  // Compiled once per paranoia level per isolate (the config decides which); the
  // last one is kept at hand, as the level does not change between requests.
  const compiled = new Map<Paranoia, CompiledRules>();
  let current: CompiledRules | undefined;
  const rulesFor = (paranoia: Paranoia): CompiledRules => {
    if (current?.paranoia === paranoia) return current;
    let rules = compiled.get(paranoia);
    if (rules === undefined) {
      // Routes refuse undeclared media types themselves (415), the runtime re-frames bodies: see APP_SKIPPED_RULE_IDS.
      rules = compileRules(paranoia, { skipAppRules: true });
      compiled.set(paranoia, rules);
    }
    current = rules;
    return rules;
  };
  function check(edge: EdgeRequest, request: WafRequest, route: WafRoute | null | undefined): void {
    const config = edge.facts.config.waf;
    let found = route;
    const excluded: ExclusionTest = (t) => {
      if (found === undefined) found = options.routes.match(request.method, edge.path) ?? null;
      return found?.excluded?.(t) ?? 0;
    };
    // Blocking, the engine stops at the threshold (the verdict is made); log-only mode reads on, to show every rule that fires.
    const matches = inspect(request, rulesFor(config.paranoia), excluded, config.mode === "block" ? config.threshold : Infinity);
    if (matches.length === 0) return;
    // What the engine could not read whole is refused in log-only mode too: that mode trusts the
    // rules to be wrong sometimes, never lets a part of a request go unread.
    if (limitExceeded(matches)) {
      report("waf_inspection_limit", edge.facts.requestId, request, edge.path, matches, scoreOf(matches), config);
      throw new AppError("inspection_limit_exceeded");
    }
    const score = scoreOf(matches);
    if (score < config.threshold) return;
    const blocking = config.mode === "block";
    report(blocking ? "waf_blocked" : "waf_would_block", edge.facts.requestId, request, edge.path, matches, score, config);
    // The request id only (added by the error path): the rule ids are in the event above.
    if (blocking) throw new AppError("waf_blocked");
  }

  async function withBody(edge: EdgeRequest, raw: Request, route: WafRoute, request: WafRequest): Promise<void> {
    const read = await readBodyBounded(raw, Math.min(WAF_INSPECTION_CAP, route.bodyLimit), edge.facts.config.bodyReadTimeoutMs);
    if (read.kind !== "read") {
      throw refuseBody(read, {
        requestId: edge.facts.requestId,
        method: excerpt(request.method, 16),
        path: excerpt(edge.path, 128),
        routeLimit: route.bodyLimit,
      });
    }
    if (read.request !== raw) edge.raw = read.request;
    check(edge, { ...request, body: read.text }, route);
  }

  return function waf(edge, head) {
    const raw = edge.raw;
    const url = head.url;
    const hostStart = url.indexOf("//") + 2;
    const pathStart = url.indexOf("/", hostStart);
    const target = url.slice(pathStart);
    // All headers, as the request rules read them (restricted names, NUL anywhere), with the
    // body's declared framing: Content-Length's value, or "chunked" for any Transfer-Encoding
    // (which wins over a length).
    let headers = head.headers;
    let framing: string | undefined;
    let host = false;
    for (let i = 0; i < headers.length; i++) {
      const name = headers[i]?.[0];
      if (name === "host") host = true;
      else if (name === "transfer-encoding") framing = "chunked";
      else if (name === "content-length" && framing !== "chunked") framing = headers[i]?.[1];
    }
    // The runtime derives the URL from Host; a request object built without one (tests, service bindings) still had a host.
    if (!host) headers = [...headers, ["host", url.slice(hostStart, pathStart)]];
    const request: WafRequest = { method: head.method, target, headers, body: undefined };
    const stream = raw.body;
    // A body in any framing: chunked, a length other than 0 (clients send `Content-Length: 0`
    // on an empty DELETE), or a stream with no framing header at all.
    const carriesBody = framing === undefined ? stream !== null : framing !== "0";
    if (carriesBody && BODILESS_METHODS.has(request.method)) throw new AppError("body_not_allowed");
    if (stream !== null) {
      // No route, no reader: a body the router will refuse (404/405) is not worth reading.
      const route = options.routes.match(request.method, edge.path);
      // A route that streams a file declared it (defineRoute's `body: "stream"`): everything but its bytes is inspected.
      if (route !== undefined && !route.opaqueBody) return withBody(edge, raw, route, request);
      check(edge, request, null);
      return undefined;
    }
    check(edge, request, undefined);
    return undefined;
  };
}
