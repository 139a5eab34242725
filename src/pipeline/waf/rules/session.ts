/**
 * Session fixation through the URL (rule 1102): a link that carries a session
 * id as an argument (`?PHPSESSID=…`, `?jsessionid=…`) or a path parameter
 * (`/login;jsessionid=…`) makes the server adopt a session the attacker knows.
 * Only setting one counts: a cookie a browser sends under such a name, or a
 * body field named `session_id`, sets nothing. One scan of the raw target.
 */
import { normalise } from "../normalise";
import type { RequestRule } from "../types";

// Names servers read a session id from in the URL: framework names, with any value.
const FRAMEWORK_NAMES = /^(?:jsessionid|phpsessid|aspsessionid\w{0,10}|asp\.net_sessionid|cfid|cftoken)$/;
// Generic names: only with a value shaped like a session id (a bare `?sid=5` is some other id).
const GENERIC_NAMES: ReadonlySet<string> = new Set(["sid", "sessionid", "session_id", "session"]);
const SESSION_TOKEN = /^[\w.,-]{16,256}$/;
// A path parameter: `;jsessionid=…` in the path.
const PATH_PARAMETER = /;\s{0,3}(?:jsessionid|phpsessid|aspsessionid\w{0,10})\s{0,3}=\s{0,3}[^;/?\s]/;

/** Patterns of this file, for the ReDoS check. */
export const SESSION_PATTERNS: readonly RegExp[] = [FRAMEWORK_NAMES, SESSION_TOKEN, PATH_PARAMETER];

/** The first query argument that sets a session id, as `query.<name>`; else `undefined`. */
function sessionArgument(query: string): string | undefined {
  if (query === "") return undefined;
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1) continue;
    const name = normalise(part.slice(0, eq), true).trim();
    if (FRAMEWORK_NAMES.test(name)) return `query.${name}`;
    if (GENERIC_NAMES.has(name) && SESSION_TOKEN.test(normalise(part.slice(eq + 1), true).trim())) return `query.${name}`;
  }
  return undefined;
}

export const sessionRules: readonly RequestRule[] = [
  // session id set through the URL: a query argument or a path parameter
  {
    id: 1102,
    group: "session",
    paranoia: 1,
    score: 5,
    check: (_r, f) =>
      sessionArgument(f.query) ?? (f.normalisedPath.includes(";") && PATH_PARAMETER.test(f.normalisedPath) ? "path" : undefined),
  },
];
