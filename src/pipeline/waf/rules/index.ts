/**
 * The rule table: every rule of every group, and every pattern for the ReDoS
 * check (`npm run redos` fails on any finding). Rules are data; the engine
 * compiles them per paranoia level once per isolate.
 */
import type { RequestRule, ValueRule } from "../types";
import { CODE_PATTERNS, codeRules } from "./code";
import { CREDENTIAL_PATTERNS, credentialRules } from "./credentials";
import { JAVA_PATTERNS, javaRules } from "./java";
import { LOCATION_PATTERNS } from "./locations";
import { MARKUP_PATTERNS } from "./markup";
import { protocolRules } from "./protocol";
import { SESSION_PATTERNS, sessionRules } from "./session";
import { SHELL_PATTERNS, shellRules } from "./shell";
import { sqlRules } from "./sql";
import { webRules } from "./web";

export { looksLikeSqlInjection } from "./sql-grammar";

/** Value rules, in id order within each group. */
export const VALUE_RULES: readonly ValueRule[] = [...webRules, ...shellRules, ...codeRules, ...javaRules, ...credentialRules, ...sqlRules];
/** Request-level rules: protocol enforcement, and a session id set through the URL. */
export const REQUEST_RULES: readonly RequestRule[] = [...protocolRules, ...sessionRules];

/**
 * Rules the app skips: 107/108 duplicate what a Rampart route enforces itself (415
 * for any media type it did not declare, a missing one included); 122 is HTTP/1.1
 * framing, which the Workers runtime re-frames (HTTP/2 and HTTP/3 requests need no
 * Content-Length), so a request object without one says nothing about the client.
 */
export const APP_SKIPPED_RULE_IDS: ReadonlySet<number> = new Set([107, 108, 122]);

/** Every pattern of the value rules, named by rule id, for the ReDoS check. */
export function wafPatterns(): { id: number; pattern: RegExp }[] {
  return [
    ...VALUE_RULES.flatMap((rule) => [rule.pattern, rule.plainGate].flatMap((pattern) => (pattern ? [{ id: rule.id, pattern }] : []))),
    // Patterns inside `accept` and `detect` functions are checked all the same.
    ...[
      ...SHELL_PATTERNS,
      ...CODE_PATTERNS,
      ...JAVA_PATTERNS,
      ...CREDENTIAL_PATTERNS,
      ...MARKUP_PATTERNS,
      ...LOCATION_PATTERNS,
      ...SESSION_PATTERNS,
    ].map((pattern) => ({ id: 0, pattern })),
  ];
}
