/**
 * P3 WAF vocabulary: what the engine inspects, what a rule is, and its verdict.
 * The engine is pure (no I/O, no clock): the middleware turns a Request into a
 * {@link WafRequest}; tests and the benchmark build one directly.
 */

/** Rule groups, each a class of attack; exclusions name these. */
export const WAF_GROUPS = [
  "protocol",
  "protocol_attack",
  "lfi",
  "rfi",
  "rce",
  "code",
  "ssrf",
  "prototype",
  "xss",
  "sqli",
  "session",
  "java",
  "scanner",
] as const;
/** One rule group, e.g. `sqli`. */
export type WafGroup = (typeof WAF_GROUPS)[number];

/** A group's bit in a mask of groups (an exclusion's groups on a field): its place in WAF_GROUPS. */
export const groupBit = (group: WafGroup): number => 1 << WAF_GROUPS.indexOf(group);

/** Paranoia level: 1 (few false positives) to 4 (strictest). */
export type Paranoia = 1 | 2 | 3 | 4;

/**
 * Where a value came from: decides which rules look at it. `secret` is the value
 * of a field whose name says password, secret, token or key (body or query): it
 * is read only by the rules that name `secret` in `on` (the classes that matter
 * in a credential whatever its name) and never logged.
 */
export type TargetKind = "path" | "query" | "header" | "cookie" | "body" | "name" | "secret";

/** One inspected value, decoded and lower-cased once. */
export interface Target {
  /** Stable name for logs and exclusions: `path`, `query.q`, `header.user-agent`, `body.a.b`. */
  readonly name: string;
  readonly kind: TargetKind;
  /** The field path for exclusions (`description`, `nis2.summary`); empty for non-fields. */
  readonly field: string;
  /** Decoded (percent, overlong UTF-8, entities, JS escapes), NUL removed, lower case. */
  readonly value: string;
}

/**
 * A value rule: a linear-time pattern or a token-based detector over a target.
 * What it detects is the comment above it in the table (kept out of the bundle).
 */
export interface ValueRule {
  readonly id: number;
  readonly group: WafGroup;
  readonly paranoia: Paranoia;
  /** Anomaly weight: 5 critical, 4 error, 3 warning, 2 notice. */
  readonly score: number;
  /**
   * True when the pattern can match a value made only of letters, digits, space
   * and `_ . , @ + / -`: such "plain" values (most ids, names, paths) run only these rules.
   */
  readonly plain?: boolean;
  /**
   * Characters of which the rule's match contains at least one (CR stands for CR
   * and LF); a value with none of them skips the rule without running it.
   */
  readonly needs?: string;
  /** Kinds this rule inspects; all kinds but `secret` when absent. */
  readonly on?: readonly TargetKind[];
  /**
   * With `pattern` (global flag): the rule matches when `accept` holds for a
   * match's first group. Long word lists and "contains" checks live here (a set
   * lookup, a small test on a bounded token) instead of in one regex that could
   * match the same text many ways.
   */
  readonly accept?: (token: string) => boolean;
  /** Linear-time pattern (checked by `npm run redos`); or `detect` for tokenizer rules. */
  readonly pattern?: RegExp;
  readonly detect?: (value: string) => boolean;
  /**
   * With `detect`: a pattern that matches every plain value `detect` can accept
   * (a necessary condition, not a verdict). It lets the engine fold the rule into
   * its one-regex gate for plain values; without it the rule always runs.
   */
  readonly plainGate?: RegExp;
  /**
   * With `detect`: the characters at each of which the detector does a bounded but
   * not negligible piece of work (a separator it reads a command after, a `$` it reads
   * a callee from; a tenth of a microsecond or more each). On a long value, occurrences
   * beyond one per 64 characters are charged to the request's work budget before the
   * detector runs, one unit each (INSPECTION_LIMITS.work): a value dense in them is
   * refused, not read at a cost proportional to its density.
   */
  readonly workPer?: string;
}

/** The request as the engine sees it: raw strings, headers with lower-case names. */
export interface WafRequest {
  readonly method: string;
  /** Request target as sent: path plus `?query`, not normalised by a URL parser. */
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  /** Body text up to the inspection cap; `undefined` when not inspected. */
  readonly body: string | undefined;
}

/**
 * What a request holds that a request rule may need: a body (not empty), a query (not
 * empty), a `%` in the target, a `.` in the normalised path, or one of the headers named.
 */
export type RequestTrait =
  "body" | "query" | "percent" | "dot" | "content-type" | "content-length" | "transfer-encoding" | "range" | "connection";

/** A request-level rule (protocol enforcement): sees the whole request. */
export interface RequestRule {
  readonly id: number;
  readonly group: WafGroup;
  readonly paranoia: Paranoia;
  readonly score: number;
  /**
   * A necessary condition: the rule can match only a request with at least one of these
   * traits, so the engine skips it on the others (most requests: a GET with ordinary
   * headers). Without it the rule runs on every request.
   */
  readonly when?: readonly RequestTrait[];
  /** Name of the offending part when the rule matches, else `undefined`. */
  readonly check: (request: WafRequest, facts: RequestFacts) => string | undefined;
}

/** Facts parsed once per request for the request rules. */
export interface RequestFacts {
  readonly path: string;
  /** `path` normalised (decoded, lower case) once, as the path target's value. */
  readonly normalisedPath: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly header: (name: string) => string | undefined;
}

/**
 * What the engine could not inspect completely: JSON nested deeper than its
 * depth limit, more values than its count limit, one value (or name) longer
 * than its per-value limit, or more rule work than one request may cost (`work`:
 * values so dense in what rules look for that judging them all would hand the
 * sender cheap CPU). Such a request is refused, never waved through.
 */
export type InspectionLimit = "depth" | "values" | "length" | "work";

/** One rule that matched, with where. */
export interface WafMatch {
  readonly id: number;
  readonly group: WafGroup;
  readonly score: number;
  readonly target: string;
  /** The field path of the target, for exclusions. */
  readonly field: string;
  /**
   * `limit`: not a rule but the limit verdict (see {@link InspectionLimit}); the
   * stage answers it with 413 `inspection_limit_exceeded`, whatever the score.
   */
  readonly kind: TargetKind | "request" | "limit";
  /** The matched value (decoded), for the truncated log excerpt only; `[redacted]` for a secret field. */
  readonly value: string;
}

/** What a route may exclude: fields of the body (or query) from rule groups. */
export interface WafExclusion {
  /** Field paths, dotted for nested JSON (`nis2.summary`); array indexes are skipped. */
  readonly fields: readonly string[];
  readonly groups: readonly WafGroup[];
  /** Where the fields are; `body` by default. */
  readonly in?: "body" | "query";
}

/** A route's WAF options, declared next to it with `defineRoute(route, { waf })`. */
export interface WafRouteOptions {
  readonly exclude?: readonly WafExclusion[];
}

/** The policy from configuration. */
export interface WafPolicy {
  readonly paranoia: Paranoia;
  readonly threshold: number;
}

/** The verdict on one request: the score and what matched at the policy's level. */
export interface WafVerdict {
  readonly score: number;
  readonly matches: readonly WafMatch[];
  readonly blocked: boolean;
}
