/**
 * SQL injection by grammar (rule 1001): a value is tokenized three ways (as is,
 * and as if it continued a single- or double-quoted literal, which is where an
 * injection starts) and the tokens are checked for what only an injection
 * writes:
 * - a break-out: the literal (or number) closed, then a condition, a comment, a
 *   stacked statement or a clause with its operands;
 * - a statement where a statement can start (the value's start, after `;`, a
 *   comment or `(`, after the break-out) and only when it is complete SQL:
 *   `insert into t values`, `delete from t where`, `drop table t;`, `select a, b
 *   from t`, `exec xp_…`; English with SQL verbs ("insert into the register",
 *   "select 3 samples", "exec summary", "drop table rows with…") is not;
 * - shapes no prose has, anywhere: `union select`, `waitfor delay`, `@@version`,
 *   `declare @x`, `into outfile`, `order by 3--`, calls that only read, stall or
 *   run (`sleep(5)`, `load_file('…')`), `case when 1=1 then`.
 */
import { DANGEROUS, STATEMENTS, tokenize, type Token } from "./sql-tokens";

type Tokens = readonly Token[];

const is = (t: Token | undefined, word: string): boolean => t !== undefined && t.word === word;
const strong = (t: Token | undefined): boolean =>
  t !== undefined &&
  (t.kind === "n" ||
    t.kind === "s" ||
    t.kind === "v" ||
    t.kind === "f" ||
    t.kind === "(" ||
    t.word === "true" ||
    t.word === "false" ||
    t.word === "null");
/** What may stand on either side of a comparison: a strong operand, a name, or `select`/`char(` starting one. */
const operand = (t: Token | undefined): boolean =>
  strong(t) || t?.kind === "b" || (t?.kind === "k" && (t.word === "select" || t.word === "char"));
/** End of an expression: the input's end, a comment, `;`, `)` or a logical operator. */
const ends = (t: Token | undefined): boolean => t === undefined || t.kind === "c" || t.kind === ";" || t.kind === ")" || t.kind === "l";
/** End of a statement: the input's end, a comment, `;` or `)`. */
const stops = (t: Token | undefined): boolean => t === undefined || t.kind === "c" || t.kind === ";" || t.kind === ")";
/** A table or column name: a word or a backtick-quoted name. */
const name = (t: Token | undefined): boolean => t?.kind === "b";
const value = (t: Token | undefined): boolean =>
  t !== undefined && (t.kind === "n" || t.kind === "s" || t.kind === "v" || t.word === "null" || t.word === "true" || t.word === "false");

// After a number, only comparison operators start an injected condition; arithmetic
// (`-`, `+`) is what ids, tokens and dates are made of (`0d8f3c9e-8a5b-...`).
const COMPARISON = /^(?:=|==|<|>|!=|<>|<=|>=|<=>|!|like|ilike|rlike|regexp|is|in|between|sounds|glob|similar)$/;
const OBJECTS: ReadonlySet<string> = new Set(["table", "database", "schema", "user", "view", "procedure", "function", "index", "trigger"]);
const ALTERATIONS: ReadonlySet<string> = new Set(["add", "drop", "modify", "change", "rename", "alter", "column", "owner", "set"]);

/** What may follow a column list or a selected value: `,`, FROM, the end, UNION, INTO, AS, an operator. */
function afterColumn(t: Token | undefined): boolean {
  return (
    t === undefined ||
    stops(t) ||
    t.kind === "," ||
    t.kind === "o" ||
    t.kind === "l" ||
    is(t, "from") ||
    is(t, "union") ||
    is(t, "into") ||
    is(t, "as") ||
    is(t, "limit") ||
    is(t, "where")
  );
}

/** `select` at `i` with columns SQL would compute: `*`, calls, literals, variables, a list, or a name FROM a table. */
function select(tokens: Tokens, i: number): boolean {
  const a = tokens[i + 1];
  const b = tokens[i + 2];
  if (a === undefined) return false;
  if (a.word === "*") return is(b, "from") || stops(b) || b?.kind === ",";
  if (a.kind === "f" || a.kind === "c" || a.kind === "(" || is(a, "@@")) return true;
  if (a.kind === "v") return true;
  if (value(a)) return afterColumn(b);
  if (is(a, "distinct") || is(a, "top") || is(a, "all")) return name(b) ? afterColumn(tokens[i + 3]) && !stops(tokens[i + 3]) : strong(b);
  if (name(a)) {
    if (b?.kind === ",") return name(tokens[i + 3]) || value(tokens[i + 3]) || tokens[i + 3]?.kind === "f";
    if (is(b, "from")) {
      const after = tokens[i + 4];
      return name(tokens[i + 3]) && (stops(after) || is(after, "where") || is(after, "limit") || is(after, "order") || is(after, "union"));
    }
  }
  return false;
}

/** A complete statement starting at `i` (a statement keyword), as only SQL writes it. */
function statement(tokens: Tokens, i: number): boolean {
  const t = tokens[i];
  const a = tokens[i + 1];
  const b = tokens[i + 2];
  const c = tokens[i + 3];
  switch (t?.word) {
    case "select":
      return select(tokens, i);
    case "insert":
    case "replace":
      return (
        is(a, "into") && name(b) && (c?.kind === "(" || is(c, "values") || is(c, "select") || is(c, "set") || is(c, "default") || stops(c))
      );
    case "delete":
      return is(a, "from") && name(b) && (stops(c) || is(c, "where"));
    case "update":
      return name(a) && is(b, "set") && name(c) && is(tokens[i + 4], "=");
    case "drop":
    case "truncate":
    case "alter":
    case "create": {
      if (a === undefined || !OBJECTS.has(a.word)) return false;
      const object = is(b, "if") ? tokens[i + 4] : b;
      const next = is(b, "if") ? tokens[i + 5] : c;
      if (!name(object)) return false;
      return (
        stops(next) || next?.kind === "(" || (t.word === "alter" && next !== undefined && ALTERATIONS.has(next.word)) || is(next, "cascade")
      );
    }
    case "exec":
    case "execute":
      return procedure(a) || (name(a) && value(b));
    case "shutdown":
    case "commit":
    case "rollback":
      return stops(a);
    case "declare":
      return a?.kind === "v";
    case "copy":
      return copy(tokens, i + 1);
    default:
      return false;
  }
}

/**
 * Postgres `COPY table|(query) TO|FROM PROGRAM 'cmd'|'file'|STDIN|STDOUT` from `i`
 * (after COPY): "copy the evidence to the program folder" names no such target.
 */
function copy(tokens: Tokens, i: number): boolean {
  let j = i;
  if (tokens[j]?.kind === "(") j = closeGroup(tokens, j);
  else if (name(tokens[j])) j++;
  else return false;
  if (j < 0 || !(is(tokens[j], "to") || is(tokens[j], "from"))) return false;
  const target = tokens[j + 1];
  if (is(target, "program")) return tokens[j + 2]?.kind === "s";
  return target?.kind === "s" || ((is(target, "stdin") || is(target, "stdout")) && stops(tokens[j + 2]));
}

// How far a group is looked for: a condition's group is short, and a bound keeps every
// reading of a value linear however many injection points it offers.
const GROUP_WINDOW = 256;

/** The index after the group opened by the `(` at `i` (nested groups included), or -1 when it is not closed within the window. */
function closeGroup(tokens: Tokens, i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length && j < i + GROUP_WINDOW; j++) {
    const kind = tokens[j]?.kind;
    if (kind === "(") depth++;
    else if (kind === ")" && --depth === 0) return j + 1;
  }
  return -1;
}

/** Past any `not` or `!` at `i` (`or not not true`, `or !false`). */
function skipNegations(tokens: Tokens, i: number): number {
  let j = i;
  while (is(tokens[j], "not") || is(tokens[j], "!")) j++;
  return j;
}

/** One operand of a condition read from `i`: where it ends, and whether it is a literal, a call or a group (not a bare word). */
interface Operand {
  readonly end: number;
  readonly strong: boolean;
}

/** An operand from `i`: negations, then a literal, a name, a call or a group, with `::type` casts; undefined when none. */
function readOperand(tokens: Tokens, i: number): Operand | undefined {
  let j = skipNegations(tokens, i);
  const t = tokens[j];
  if (t === undefined || !operand(t)) return undefined;
  const isStrong = strong(t) || t.kind === "f";
  if (t.kind === "(") j = closeGroup(tokens, j);
  else if (t.kind === "f" && tokens[j + 1]?.kind === "(") j = closeGroup(tokens, j + 1);
  else j++;
  if (j < 0) return undefined;
  while (is(tokens[j], "::") && name(tokens[j + 1])) j += 2;
  return { end: j, strong: isStrong };
}

/**
 * A condition from `i` (an operand, then comparisons: `2>1`, `'a' is not null`,
 * `1 in (1)`, `5 between 1 and 9`): where it ends and whether it holds more than a
 * bare word (a literal, a call, a group or a comparison). Reads a bounded number of
 * comparisons; each group is scanned once.
 */
function readCondition(tokens: Tokens, i: number): Operand | undefined {
  const first = readOperand(tokens, i);
  if (first === undefined) return undefined;
  let end = first.end;
  let isStrong = first.strong;
  for (let steps = 0; steps < 8; steps++) {
    const op = tokens[end];
    if (op?.kind !== "o" || !COMPARISON.test(op.word)) break;
    let j = end + 1;
    if (is(tokens[j], "to")) j++; // `similar to`
    const next = readOperand(tokens, j);
    if (next === undefined) return undefined;
    end = next.end;
    isStrong = true;
  }
  return { end, strong: isStrong };
}

/**
 * A whole condition after a logical operator at `i` (`or not false`, `or 1 in (1)`,
 * `and 'a' is not null`) that ends where an expression ends, or (after a broken
 * quote) where the next literal re-opens: a bare word ("1 or more") is not one.
 */
function condition(tokens: Tokens, i: number, quoted: boolean): boolean {
  const read = readCondition(tokens, i + 1);
  if (read === undefined || !read.strong) return false;
  const after = tokens[read.end];
  return ends(after) || (quoted && after?.kind === "s");
}

/** The procedure an EXEC runs: a variable, a parenthesised string, or a system/qualified name (`xp_cmdshell`, `master..x`). */
function procedure(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === "v" || t.kind === "(" || t.kind === "f") return true;
  return name(t) && /^(?:xp_|sp_|master\.|sys\.|dbo\.)|\.\./.test(t.word);
}

/** Tokens after a `;`: the end, a comment, or a complete statement (`'; drop table users--`). */
function stacked(tokens: Tokens, j: number): boolean {
  const t = tokens[j];
  if (t === undefined || t.kind === "c") return true;
  return t.kind === "k" && STATEMENTS.has(t.word) && statement(tokens, j);
}

/** A clause keyword right after a break-out, with what that clause needs after it. */
function clause(tokens: Tokens, i: number): boolean {
  const t = tokens[i];
  const a = tokens[i + 1];
  const b = tokens[i + 2];
  switch (t?.word) {
    case "union": {
      // `union [all|distinct] [((…] select` with columns: "union select committee meets…" selects nothing.
      let j = i + 1;
      if (is(tokens[j], "all") || is(tokens[j], "distinct")) j++;
      while (tokens[j]?.kind === "(") j++;
      return is(tokens[j], "select") && (select(tokens, j) || (name(tokens[j + 1]) && stops(tokens[j + 2])));
    }
    case "order":
    case "group":
      return (
        is(a, "by") &&
        (b?.kind === "n" ||
          (name(b) && (stops(tokens[i + 3]) || tokens[i + 3]?.kind === "," || is(tokens[i + 3], "asc") || is(tokens[i + 3], "desc"))))
      );
    case "having":
    case "where":
      return operand(a) && (b?.kind === "o" || b?.kind === "l" || stops(b));
    case "limit":
      return a?.kind === "n";
    case "procedure":
      return is(a, "analyse");
    case "into":
      return is(a, "outfile") || is(a, "dumpfile") || a?.kind === "v";
    case "waitfor":
      return is(a, "delay") || is(a, "time");
    case "select":
      return select(tokens, i);
    case "from":
      return stops(a) || (name(a) && (stops(b) || is(b, "where") || is(b, "limit") || is(b, "union")));
    default:
      return false;
  }
}

/** What follows an injection point (the first token after the closed quote or number). */
function breaksOut(tokens: Tokens, start: number, quoted: boolean): boolean {
  let i = start;
  while (tokens[i]?.kind === ")") i++;
  const t = tokens[i];
  if (t === undefined) return false;
  if (t.kind === ";") return stacked(tokens, i + 1);
  if (t.kind === "c") return i > start ? true : tokens[start - 1]?.kind === "s";
  if (t.kind === "k") return clause(tokens, i);
  if (t.kind === "o" && !quoted && !COMPARISON.test(t.word)) return false;
  if (t.kind === "l" || t.kind === "o") {
    const a = tokens[i + 1];
    const b = tokens[i + 2];
    // `'<script>'`: a quoted tag, not a chain of comparisons.
    if (t.word === "<" && a?.kind === "b" && b?.word === ">") return false;
    // `1 or select 1`, `1 and select…` (a sub-select as the condition's operand, as MySQL's
    // executable comments leave it): the columns decide, as for any select.
    if (is(a, "select")) return select(tokens, i + 1);
    if (is(a, "not") || is(a, "!")) return t.kind === "l" && condition(tokens, i, quoted);
    if (!operand(a)) return t.kind === "o" && a?.kind === "c";
    if (ends(b)) return strong(a) || t.kind === "o" || b !== undefined;
    // `x = y` must end the input (or a clause) unless a quote was broken: `1 = 1 in the spec` is prose.
    if (b?.kind === "o" && (quoted ? operand(tokens[i + 3]) || ends(tokens[i + 3]) : operand(tokens[i + 3]) && ends(tokens[i + 4])))
      return true;
    if (a?.kind === "f" || a?.kind === "(" || tokens[i + 2]?.kind === "f" || tokens[i + 3]?.kind === "f") return true;
    return t.kind === "l" && condition(tokens, i, quoted);
  }
  return false;
}

// Dangerous calls whose names are also English words: a call of one needs an argument SQL would pass.
const ENGLISH_CALLS: ReadonlySet<string> = new Set(["sleep", "benchmark", "exec", "execute", "waitfor"]);

/** A call of a function that only reads, stalls or runs (`sleep(5)`, `load_file(`; not "benchmark (CIS level 1)"). */
function dangerousCall(tokens: Tokens, i: number): boolean {
  const t = tokens[i];
  if (t?.kind !== "f" || !DANGEROUS.test(t.word)) return false;
  if (!ENGLISH_CALLS.has(t.word)) return true;
  const arg = tokens[i + 2];
  return arg !== undefined && (strong(arg) || arg.kind === ")" || is(arg, "select") || (arg.kind === "o" && tokens[i + 3]?.kind === "n"));
}

/** `case when <condition> then`: the condition compares, calls or groups, within a few tokens. */
function caseWhen(tokens: Tokens, i: number): boolean {
  if (!is(tokens[i], "case") || !is(tokens[i + 1], "when")) return false;
  let code = false;
  for (let j = i + 2; j < i + 14 && j < tokens.length; j++) {
    const t = tokens[j];
    if (is(t, "then")) return code;
    if (t?.kind === "o" || t?.kind === "f" || t?.kind === "(" || t?.kind === "s") code = true;
  }
  return false;
}

/** True when `tokens[i]` may start a statement: the value's start, after the break-out, `;`, a comment or `(`. */
function statementPosition(tokens: Tokens, i: number, quoted: boolean): boolean {
  if (i === 0 || (quoted && i === 1)) return true;
  const before = tokens[i - 1]?.kind;
  return before === ";" || before === "c" || before === "(";
}

function shapes(tokens: Tokens, quoted: boolean): boolean {
  const first = tokens[0];
  // A bare call fragment (`database(`, `db_name(`): nothing but SQL looks like that.
  if (!quoted && first?.kind === "f" && tokens.length <= 3 && (tokens[1] === undefined || tokens[1].kind === "(")) return true;
  if (quoted && first?.kind === "s" && breaksOut(tokens, 1, true)) return true;
  if (!quoted && first?.kind === "n" && breaksOut(tokens, 1, false)) return true;
  // A path's segment is a value of its own (`/risks/7 or true`): a number right after a `/` of a path.
  const path = !quoted && first?.word === "/";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    const next = tokens[i + 1];
    if (dangerousCall(tokens, i) || caseWhen(tokens, i)) return true;
    if (path && t.kind === "n" && tokens[i - 1]?.word === "/" && breaksOut(tokens, i + 1, false)) return true;
    if (t.kind === "k" && STATEMENTS.has(t.word) && statementPosition(tokens, i, quoted) && statement(tokens, i)) return true;
    if (t.kind === ";" && (is(next, "shutdown") || is(next, "commit") || is(next, "rollback")) && stops(tokens[i + 2])) return true;
    if (t.word === "union" && clause(tokens, i)) return true;
    if (t.word === "waitfor" && (is(next, "delay") || is(next, "time"))) return true;
    if (t.word === "into" && (is(next, "outfile") || is(next, "dumpfile"))) return true;
    if (t.word === "declare" && next?.kind === "v") return true;
    if (t.kind === "v" && t.word.startsWith("@@")) return true;
    if ((t.word === "exec" || t.word === "execute") && procedure(next)) return true;
    if (
      t.word === "order" &&
      is(next, "by") &&
      tokens[i + 2]?.kind === "n" &&
      (stops(tokens[i + 3]) ||
        tokens[i + 3]?.kind === "," ||
        is(tokens[i + 3], "asc") ||
        is(tokens[i + 3], "desc") ||
        is(tokens[i + 3], "limit"))
    )
      return true;
    if (t.kind === "k" && t.word === "procedure" && is(next, "analyse")) return true;
    // A tautology between literals: `'a' or 'a'='a'` (a comparison must follow; a list of quoted words is prose).
    if (t.kind === "s" && next?.kind === "l" && (tokens[i + 2]?.kind === "s" || tokens[i + 2]?.kind === "n") && tokens[i + 3]?.kind === "o")
      return true;
  }
  return false;
}

const PLAIN = /^[\w .,@+/-]*$/;
/**
 * The only shapes a plain value (see `PLAIN`) can take to read as SQL: for such a
 * value {@link looksLikeSqlInjection} is false unless this matches. The engine
 * uses it as rule 1001's `plainGate`.
 */
export const PLAIN_SQL =
  /(?:^|\/) {0,5}\d[\w.-]{0,40} {1,5}(?:or|and|xor|having|union|order|group|limit|procedure|into|waitfor|not)\b|\b(?:union|select|drop|truncate|alter|create|insert|replace|delete|waitfor|exec|execute|declare|shutdown|procedure|order|case|into|information_schema)\b|@@/;

/**
 * True when `value` (normalised, lower case) reads as SQL injection.
 *
 * @example
 * ```ts
 * looksLikeSqlInjection("x' or 'a'='a"); // true
 * looksLikeSqlInjection("insert into the register"); // false
 * ```
 */
export function looksLikeSqlInjection(value: string): boolean {
  // Without quotes, parentheses, operators or comments, only keyword shapes remain
  // (`union select`, `drop table`, `1 or 2`...): skip the tokenizer when none can start.
  if (PLAIN.test(value) && !PLAIN_SQL.test(value)) return false;
  if (shapes(tokenize(value), false)) return true;
  if (value.includes("'") && shapes(tokenize(`'${value}`), true)) return true;
  if (value.includes('"') && shapes(tokenize(`"${value}`), true)) return true;
  // Postgres (standard_conforming_strings), SQL Server and SQLite do not escape with `\\`:
  // in `'a\\'` the quote closes the literal. Read the value that way too.
  if (value.includes("\\'") && shapes(tokenize(`'${value}`, false), true)) return true;
  if (value.includes('\\"') && shapes(tokenize(`"${value}`, false), true)) return true;
  return false;
}
