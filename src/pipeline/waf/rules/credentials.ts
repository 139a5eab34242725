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

// A credential's template or expression, whole from its opener to its closer: arithmetic, a
// member path of names (`config.secret_key`; words of three letters or more, which random symbols rarely spell), a call whose parentheses close (`t(java.lang.runtime)…`),
// a method on a string literal, an OGNL variable or a static member. A generated password's
// random symbols may open `${` and close `}` by chance; they do not spell one of these whole.
// One pattern per shape (kept apart so that no two can match the same text: linear, and plain to read).
const SECRET_EXPRESSIONS: readonly RegExp[] = [
  /^\s{0,5}\d{1,10}\s{0,5}[*+/-]\s{0,5}\d{1,10}\s{0,5}$/,
  /^\s{0,5}[a-z_$][a-z_$]{2,40}(?:\.[a-z_$][a-z_$]{2,40}){1,8}$/,
  /^\s{0,5}[a-z_$][\w$.]{0,60}\s{0,5}\([^()]{0,80}\)(?:\.[a-z_$][\w$]{0,40}(?:\([^()]{0,80}\))?){0,6}$/,
  /^\s{0,5}[a-z_$][\w$]{1,40}\[(?:'[^']{1,60}'|"[^"]{1,60}")\][\w$.()]{0,60}$/,
  /^\s{0,5}(?:'[^']{0,60}'|"[^"]{0,60}")\.[a-z_][\w$.()'"]{1,80}$/,
  /^\s{0,5}\(\s{0,5}#[a-z_][^}]{0,100}$/,
  /^\s{0,5}@[a-z_]{1,20}\.[\w.]{1,80}@[^}]{0,100}$/,
];
const isSecretExpression = (body: string): boolean => SECRET_EXPRESSIONS.some((p) => p.test(body));

const baseName = (token: string): string => token.slice(Math.max(token.lastIndexOf("/"), token.lastIndexOf("\\")) + 1);

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const CREDENTIAL_PATTERNS: readonly RegExp[] = [...SECRET_EXPRESSIONS];

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
    accept: isSecretExpression,
    // Each opener with its own closer: `${ }`, `#{ }`, `%{ }`, `{{ }}`, `<% %>`.
    pattern: /(?:[$#%]\{(?=[^{}%]{1,120}\})|\{\{(?=[^{}%]{1,120}\}\})|<%=?(?=[^{}%]{1,120}%>))([^{}%]{1,120})(?:\}|%>)/g,
  },
  // shell command substitution, closed: `$(whoami)`, `\`curl x\``. The command's name has four
  // letters at least: `\`id\``, `$(ps)` or `\`ver\`` is what a generated password's random symbols
  // around two or three letters spell once in a few ten thousand; a credential is hashed, never run.
  {
    id: 520,
    needs: "$`",
    group: "rce",
    paranoia: 1,
    score: 5,
    on: ["secret"],
    accept: (t) => baseName(t).length >= 4 && isCommand(t),
    // Each opener needs its own closer ahead: `$(` a `)`, a backtick a backtick.
    pattern: /(?:\$\((?=[^)]{1,260}\))|`(?=[^`]{1,260}`))\s{0,3}([\w./\\-]{1,60})(?:[\s;|&][^`)]{0,200})?[`)]/g,
  },
  // a CRLF line break: no password manager or keyboard types one; it splits what logs the value.
  // (A lone CR or LF, or a NUL, is not judged here: a secret's value is percent-decoded like any
  // other, so a generated password holding the literal text `%0a` or `%00` would read as one. A
  // real NUL is the request rule 113's, which reads the body as it was sent.)
  { id: 207, group: "protocol_attack", paranoia: 1, score: 5, on: ["secret"], pattern: /\r\n/ },
];
