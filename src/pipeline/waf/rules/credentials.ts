/**
 * Value rules for `secret` targets: fields whose name says password, secret,
 * token or key. Such a value is only hashed or compared, so SQL or HTML in it
 * reaches nothing and those rules do not run on it; what reaches a logger, a
 * template or a shell on the way does (Log4j lookups are java.ts's, which run
 * on secrets too). Each needs a closed construct: the random characters of a
 * generated password do not close a `${…}` around code.
 */
import type { ValueRule } from "../types";
import { isCommand } from "./shell";

// A credential's template or expression: closed, with code inside (arithmetic, a call, a member, a quote).
const SECRET_EXPRESSION = /^\s{0,5}(?:\d{1,10}\s{0,5}[*+/-]\s{0,5}\d|[a-z_$][\w$]{0,40}\s{0,5}[.(:[]|['"])/;

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const CREDENTIAL_PATTERNS: readonly RegExp[] = [SECRET_EXPRESSION];

export const credentialRules: readonly ValueRule[] = [
  // --- credentials: what matters in a password, secret or token field, whatever it is named -----
  // (such a field is only hashed or compared, so SQL or HTML in it reaches nothing; these reach a
  // logger, a template or a shell on the way. Each needs a closed construct: random characters of a
  // generated password do not close a `${…}` around code.)
  // template or expression language evaluated: `${7*7}`, `#{t(java.lang.Runtime)}`, `{{config.x}}`
  {
    id: 1206,
    needs: "{%",
    group: "java",
    paranoia: 1,
    score: 5,
    on: ["secret"],
    accept: (t) => SECRET_EXPRESSION.test(t),
    pattern: /(?:[$#]\{|\{\{|<%=?)([^{}%]{1,120})(?:\}|%>)/g,
  },
  // shell command substitution, closed: `$(id)`, `\`curl x\``
  {
    id: 520,
    needs: "$`",
    group: "rce",
    paranoia: 1,
    score: 5,
    on: ["secret"],
    accept: isCommand,
    pattern: /(?:\$\(|`)\s{0,3}([\w./\\-]{1,60})(?:[\s;|&][^`)]{0,200})?[`)]/g,
  },
  // NUL, CR or LF: no password manager or keyboard types them; they cut or split what logs it
  // The characters are the point: a NUL or a line break in a credential.
  // eslint-disable-next-line no-control-regex
  { id: 207, group: "protocol_attack", paranoia: 1, score: 5, on: ["secret"], pattern: /[\u0000\r\n]/ },
];
