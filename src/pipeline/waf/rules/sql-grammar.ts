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
import {
  ALTERATION,
  B,
  C,
  CLOSE,
  COMMA,
  COMPARISON,
  DANGEROUS_CALL,
  ENGLISH_CALL,
  F,
  K,
  L,
  N,
  NONE,
  O,
  OBJECT,
  OPEN,
  S,
  SEMI,
  STATEMENT,
  SYSTEM_VARIABLE,
  tokenize,
  V,
  wordId,
  type Tokens,
} from "./sql-tokens";

// The words the grammar compares tokens with, by id (sql-tokens.ts knows each one).
const w = {
  select: wordId("select"),
  from: wordId("from"),
  where: wordId("where"),
  union: wordId("union"),
  limit: wordId("limit"),
  into: wordId("into"),
  waitfor: wordId("waitfor"),
  set: wordId("set"),
  procedure: wordId("procedure"),
  order: wordId("order"),
  group: wordId("group"),
  having: wordId("having"),
  execute: wordId("execute"),
  exec: wordId("exec"),
  alter: wordId("alter"),
  drop: wordId("drop"),
  truncate: wordId("truncate"),
  create: wordId("create"),
  insert: wordId("insert"),
  replace: wordId("replace"),
  delete: wordId("delete"),
  update: wordId("update"),
  copy: wordId("copy"),
  declare: wordId("declare"),
  shutdown: wordId("shutdown"),
  commit: wordId("commit"),
  rollback: wordId("rollback"),
  true: wordId("true"),
  false: wordId("false"),
  null: wordId("null"),
  to: wordId("to"),
  time: wordId("time"),
  delay: wordId("delay"),
  outfile: wordId("outfile"),
  dumpfile: wordId("dumpfile"),
  not: wordId("not"),
  bang: wordId("!"),
  if: wordId("if"),
  distinct: wordId("distinct"),
  top: wordId("top"),
  all: wordId("all"),
  asc: wordId("asc"),
  desc: wordId("desc"),
  by: wordId("by"),
  analyse: wordId("analyse"),
  systemVariable: wordId("@@"),
  slash: wordId("/"),
  star: wordId("*"),
  equals: wordId("="),
  less: wordId("<"),
  greater: wordId(">"),
  cast: wordId("::"),
  when: wordId("when"),
  then: wordId("then"),
  case: wordId("case"),
  values: wordId("values"),
  default: wordId("default"),
  cascade: wordId("cascade"),
  program: wordId("program"),
  stdin: wordId("stdin"),
  stdout: wordId("stdout"),
  char: wordId("char"),
  as: wordId("as"),
} as const;

const strong = (t: Tokens, i: number): boolean => {
  const k = t.kind(i);
  if (k === N || k === S || k === V || k === F || k === OPEN) return true;
  const id = t.id(i);
  return id !== 0 && (id === w.true || id === w.false || id === w.null);
};
/** What may stand on either side of a comparison: a strong operand, a name, or `select`/`char(` starting one. */
const operand = (t: Tokens, i: number): boolean =>
  strong(t, i) || t.kind(i) === B || (t.kind(i) === K && (t.is(i, w.select) || t.is(i, w.char)));
/** End of an expression: the input's end, a comment, `;`, `)` or a logical operator. */
const ends = (t: Tokens, i: number): boolean => {
  const k = t.kind(i);
  return k === NONE || k === C || k === SEMI || k === CLOSE || k === L;
};
/** End of a statement: the input's end, a comment, `;` or `)`. */
const stops = (t: Tokens, i: number): boolean => {
  const k = t.kind(i);
  return k === NONE || k === C || k === SEMI || k === CLOSE;
};
/** A table or column name: a word or a backtick-quoted name. */
const name = (t: Tokens, i: number): boolean => t.kind(i) === B;
const value = (t: Tokens, i: number): boolean => {
  const k = t.kind(i);
  return k === N || k === S || k === V || t.is(i, w.null) || t.is(i, w.true) || t.is(i, w.false);
};

// After a number, only comparison operators start an injected condition (COMPARISON in
// sql-tokens.ts); arithmetic (`-`, `+`) is what ids, tokens and dates are made of (`0d8f3c9e-8a5b-...`).
const comparison = (t: Tokens, i: number): boolean => t.word(i, COMPARISON);

/** What may follow a column list or a selected value: `,`, FROM, the end, UNION, INTO, AS, an operator. */
function afterColumn(t: Tokens, i: number): boolean {
  const k = t.kind(i);
  return (
    k === NONE ||
    stops(t, i) ||
    k === COMMA ||
    k === O ||
    k === L ||
    t.is(i, w.from) ||
    t.is(i, w.union) ||
    t.is(i, w.into) ||
    t.is(i, w.as) ||
    t.is(i, w.limit) ||
    t.is(i, w.where)
  );
}

/** `select` at `i` with columns SQL would compute: `*`, calls, literals, variables, a list, or a name FROM a table. */
function select(t: Tokens, i: number): boolean {
  const a = i + 1;
  const b = i + 2;
  const ka = t.kind(a);
  if (ka === NONE) return false;
  if (t.is(a, w.star)) return t.is(b, w.from) || stops(t, b) || t.kind(b) === COMMA;
  if (ka === F || ka === C || ka === OPEN || t.is(a, w.systemVariable)) return true;
  if (ka === V) return true;
  if (value(t, a)) return afterColumn(t, b);
  if (t.is(a, w.distinct) || t.is(a, w.top) || t.is(a, w.all)) return name(t, b) ? afterColumn(t, i + 3) && !stops(t, i + 3) : strong(t, b);
  if (name(t, a)) {
    if (t.kind(b) === COMMA) return name(t, i + 3) || value(t, i + 3) || t.kind(i + 3) === F;
    if (t.is(b, w.from)) {
      const after = i + 4;
      return (
        name(t, i + 3) && (stops(t, after) || t.is(after, w.where) || t.is(after, w.limit) || t.is(after, w.order) || t.is(after, w.union))
      );
    }
  }
  return false;
}

/** A complete statement starting at `i` (a statement keyword), as only SQL writes it. */
function statement(t: Tokens, i: number): boolean {
  const a = i + 1;
  const b = i + 2;
  const c = i + 3;
  const id = t.id(i);
  if (id === 0) return false;
  if (id === w.select) return select(t, i);
  if (id === w.insert || id === w.replace)
    return (
      t.is(a, w.into) &&
      name(t, b) &&
      (t.kind(c) === OPEN || t.is(c, w.values) || t.is(c, w.select) || t.is(c, w.set) || t.is(c, w.default) || stops(t, c))
    );
  if (id === w.delete) return t.is(a, w.from) && name(t, b) && (stops(t, c) || t.is(c, w.where));
  if (id === w.update) return name(t, a) && t.is(b, w.set) && name(t, c) && t.is(i + 4, w.equals);
  if (id === w.drop || id === w.truncate || id === w.alter || id === w.create) {
    if (t.kind(a) === NONE || !t.word(a, OBJECT)) return false;
    const object = t.is(b, w.if) ? i + 4 : b;
    const next = t.is(b, w.if) ? i + 5 : c;
    if (!name(t, object)) return false;
    return stops(t, next) || t.kind(next) === OPEN || (id === w.alter && t.word(next, ALTERATION)) || t.is(next, w.cascade);
  }
  if (id === w.exec || id === w.execute) return procedure(t, a) || (name(t, a) && value(t, b));
  if (id === w.shutdown || id === w.commit || id === w.rollback) return stops(t, a);
  if (id === w.declare) return t.kind(a) === V;
  if (id === w.copy) return copy(t, i + 1);
  return false;
}

/**
 * Postgres `COPY table|(query) TO|FROM PROGRAM 'cmd'|'file'|STDIN|STDOUT` from `i`
 * (after COPY): "copy the evidence to the program folder" names no such target.
 */
function copy(t: Tokens, i: number): boolean {
  let j = i;
  if (t.kind(j) === OPEN) j = closeGroup(t, j);
  else if (name(t, j)) j++;
  else return false;
  if (j < 0 || !(t.is(j, w.to) || t.is(j, w.from))) return false;
  const target = j + 1;
  if (t.is(target, w.program)) return t.kind(j + 2) === S;
  return t.kind(target) === S || ((t.is(target, w.stdin) || t.is(target, w.stdout)) && stops(t, j + 2));
}

// How far a group is looked for: a condition's group is short, and a bound keeps every
// reading of a value linear however many injection points it offers.
const GROUP_WINDOW = 256;

/** The index after the group opened by the `(` at `i` (nested groups included), or -1 when it is not closed within the window. */
function closeGroup(t: Tokens, i: number): number {
  let depth = 0;
  for (let j = i; j < t.length && j < i + GROUP_WINDOW; j++) {
    const kind = t.kind(j);
    if (kind === OPEN) depth++;
    else if (kind === CLOSE && --depth === 0) return j + 1;
  }
  return -1;
}

/** Past any `not` or `!` at `i` (`or not not true`, `or !false`). */
function skipNegations(t: Tokens, i: number): number {
  let j = i;
  while (t.is(j, w.not) || t.is(j, w.bang)) j++;
  return j;
}

// An operand or a condition read from a position: where it ends (-1: none), and whether it is
// a literal, a call, a group or a comparison (not a bare word). Two numbers, not an object:
// readOperand runs at every injection point of a long value.
let readEnd = -1;
let readStrong = false;

/** An operand from `i`: negations, then a literal, a name, a call or a group, with `::type` casts. Sets readEnd (-1: none) and readStrong. */
function readOperand(t: Tokens, i: number): void {
  let j = skipNegations(t, i);
  readEnd = -1;
  if (t.kind(j) === NONE || !operand(t, j)) return;
  const kind = t.kind(j);
  const isStrong = strong(t, j) || kind === F;
  if (kind === OPEN) j = closeGroup(t, j);
  else if (kind === F && t.kind(j + 1) === OPEN) j = closeGroup(t, j + 1);
  else j++;
  if (j < 0) return;
  while (t.is(j, w.cast) && name(t, j + 1)) j += 2;
  readEnd = j;
  readStrong = isStrong;
}

/**
 * A condition from `i` (an operand, then comparisons: `2>1`, `'a' is not null`,
 * `1 in (1)`, `5 between 1 and 9`): sets readEnd (-1: none) and readStrong (more
 * than a bare word: a literal, a call, a group or a comparison). Reads a bounded
 * number of comparisons; each group is scanned once.
 */
function readCondition(t: Tokens, i: number): void {
  readOperand(t, i);
  if (readEnd < 0) return;
  let end = readEnd;
  let isStrong = readStrong;
  for (let steps = 0; steps < 8; steps++) {
    if (t.kind(end) !== O || !comparison(t, end)) break;
    let j = end + 1;
    if (t.is(j, w.to)) j++; // `similar to`
    readOperand(t, j);
    if (readEnd < 0) return;
    end = readEnd;
    isStrong = true;
  }
  readEnd = end;
  readStrong = isStrong;
}

/**
 * A whole condition after a logical operator at `i` (`or not false`, `or 1 in (1)`,
 * `and 'a' is not null`) that ends where an expression ends, or (after a broken
 * quote) where the next literal re-opens: a bare word ("1 or more") is not one.
 */
function condition(t: Tokens, i: number, quoted: boolean): boolean {
  readCondition(t, i + 1);
  if (readEnd < 0 || !readStrong) return false;
  return ends(t, readEnd) || (quoted && t.kind(readEnd) === S);
}

/** The procedure an EXEC runs: a variable, a parenthesised string, or a system/qualified name (`xp_cmdshell`, `master..x`). */
function procedure(t: Tokens, i: number): boolean {
  const k = t.kind(i);
  if (k === NONE) return false;
  if (k === V || k === OPEN || k === F) return true;
  return t.procedureName(i);
}

/** Tokens after a `;`: the end, a comment, or a complete statement (`'; drop table users--`). */
function stacked(t: Tokens, j: number): boolean {
  const k = t.kind(j);
  if (k === NONE || k === C) return true;
  return k === K && t.word(j, STATEMENT) && statement(t, j);
}

/** A clause keyword right after a break-out, with what that clause needs after it. */
function clause(t: Tokens, i: number): boolean {
  const a = i + 1;
  const b = i + 2;
  const id = t.id(i);
  if (id === 0) return false;
  if (id === w.union) {
    // `union [all|distinct] [((…] select` with columns: "union select committee meets…" selects nothing.
    let j = i + 1;
    if (t.is(j, w.all) || t.is(j, w.distinct)) j++;
    while (t.kind(j) === OPEN) j++;
    return t.is(j, w.select) && (select(t, j) || (name(t, j + 1) && stops(t, j + 2)));
  }
  if (id === w.order || id === w.group)
    return (
      t.is(a, w.by) &&
      (t.kind(b) === N || (name(t, b) && (stops(t, i + 3) || t.kind(i + 3) === COMMA || t.is(i + 3, w.asc) || t.is(i + 3, w.desc))))
    );
  if (id === w.having || id === w.where) return operand(t, a) && (t.kind(b) === O || t.kind(b) === L || stops(t, b));
  if (id === w.limit) return t.kind(a) === N;
  if (id === w.procedure) return t.is(a, w.analyse);
  if (id === w.into) return t.is(a, w.outfile) || t.is(a, w.dumpfile) || t.kind(a) === V;
  if (id === w.waitfor) return t.is(a, w.delay) || t.is(a, w.time);
  if (id === w.select) return select(t, i);
  if (id === w.from) return stops(t, a) || (name(t, a) && (stops(t, b) || t.is(b, w.where) || t.is(b, w.limit) || t.is(b, w.union)));
  return false;
}

/** What follows an injection point (the first token after the closed quote or number). */
function breaksOut(t: Tokens, start: number, quoted: boolean): boolean {
  let i = start;
  while (t.kind(i) === CLOSE) i++;
  const k = t.kind(i);
  if (k === NONE) return false;
  if (k === SEMI) return stacked(t, i + 1);
  if (k === C) return i > start ? true : t.kind(start - 1) === S;
  if (k === K) return clause(t, i);
  if (k === O && !quoted && !comparison(t, i)) return false;
  if (k === L || k === O) {
    const a = i + 1;
    const b = i + 2;
    // `'<script>'`: a quoted tag, not a chain of comparisons.
    if (t.is(i, w.less) && t.kind(a) === B && t.is(b, w.greater)) return false;
    // `1 or select 1`, `1 and select…` (a sub-select as the condition's operand, as MySQL's
    // executable comments leave it): the columns decide, as for any select.
    if (t.is(a, w.select)) return select(t, i + 1);
    if (t.is(a, w.not) || t.is(a, w.bang)) return k === L && condition(t, i, quoted);
    if (!operand(t, a)) return k === O && t.kind(a) === C;
    if (ends(t, b)) return strong(t, a) || k === O || t.kind(b) !== NONE;
    // `x = y` must end the input (or a clause) unless a quote was broken: `1 = 1 in the spec` is prose.
    if (t.kind(b) === O && (quoted ? operand(t, i + 3) || ends(t, i + 3) : operand(t, i + 3) && ends(t, i + 4))) return true;
    if (t.kind(a) === F || t.kind(a) === OPEN || t.kind(i + 2) === F || t.kind(i + 3) === F) return true;
    return k === L && condition(t, i, quoted);
  }
  return false;
}

/** A call of a function that only reads, stalls or runs (`sleep(5)`, `load_file(`; not "benchmark (CIS level 1)"). */
function dangerousCall(t: Tokens, i: number): boolean {
  if (t.kind(i) !== F || !t.has(i, DANGEROUS_CALL)) return false;
  // Dangerous calls whose names are also English words: a call of one needs an argument SQL would pass.
  if (!t.word(i, ENGLISH_CALL)) return true;
  const arg = i + 2;
  const k = t.kind(arg);
  return k !== NONE && (strong(t, arg) || k === CLOSE || t.is(arg, w.select) || (k === O && t.kind(i + 3) === N));
}

/** `case when <condition> then`: the condition compares, calls or groups, within a few tokens. */
function caseWhen(t: Tokens, i: number): boolean {
  if (!t.is(i, w.case) || !t.is(i + 1, w.when)) return false;
  let code = false;
  for (let j = i + 2; j < i + 14 && j < t.length; j++) {
    if (t.is(j, w.then)) return code;
    const k = t.kind(j);
    if (k === O || k === F || k === OPEN || k === S) code = true;
  }
  return false;
}

/** True when `tokens[i]` may start a statement: the value's start, after the break-out, `;`, a comment or `(`. */
function statementPosition(t: Tokens, i: number, quoted: boolean): boolean {
  if (i === 0 || (quoted && i === 1)) return true;
  const before = t.kind(i - 1);
  return before === SEMI || before === C || before === OPEN;
}

function shapes(t: Tokens, quoted: boolean): boolean {
  const first = t.kind(0);
  // A bare call fragment (`database(`, `db_name(`): nothing but SQL looks like that.
  if (!quoted && first === F && t.length <= 3 && (t.kind(1) === NONE || t.kind(1) === OPEN)) return true;
  if (quoted && first === S && breaksOut(t, 1, true)) return true;
  if (!quoted && first === N && breaksOut(t, 1, false)) return true;
  // A path's segment is a value of its own (`/risks/7 or true`): a number right after a `/` of a path.
  const path = !quoted && t.is(0, w.slash);
  for (let i = 0; i < t.length; i++) {
    const k = t.kind(i);
    const id = t.id(i);
    // Most tokens are words, names or punctuation no shape starts with: one test each.
    if (k === F && dangerousCall(t, i)) return true;
    if (k === N) {
      if (path && t.is(i - 1, w.slash) && breaksOut(t, i + 1, false)) return true;
      continue;
    }
    if (k === V) {
      if (t.has(i, SYSTEM_VARIABLE)) return true;
      continue;
    }
    if (k === SEMI) {
      if ((t.is(i + 1, w.shutdown) || t.is(i + 1, w.commit) || t.is(i + 1, w.rollback)) && stops(t, i + 2)) return true;
      continue;
    }
    if (k === S) {
      // A tautology between literals: `'a' or 'a'='a'` (a comparison must follow; a list of quoted words is prose).
      if (t.kind(i + 1) === L && (t.kind(i + 2) === S || t.kind(i + 2) === N) && t.kind(i + 3) === O) return true;
      continue;
    }
    if (id === 0) continue;
    if (caseWhen(t, i)) return true;
    if (k === K && t.word(i, STATEMENT) && statementPosition(t, i, quoted) && statement(t, i)) return true;
    if (id === w.union && clause(t, i)) return true;
    if (id === w.waitfor && (t.is(i + 1, w.delay) || t.is(i + 1, w.time))) return true;
    if (id === w.into && (t.is(i + 1, w.outfile) || t.is(i + 1, w.dumpfile))) return true;
    if (id === w.declare && t.kind(i + 1) === V) return true;
    if ((id === w.exec || id === w.execute) && procedure(t, i + 1)) return true;
    if (
      id === w.order &&
      t.is(i + 1, w.by) &&
      t.kind(i + 2) === N &&
      (stops(t, i + 3) || t.kind(i + 3) === COMMA || t.is(i + 3, w.asc) || t.is(i + 3, w.desc) || t.is(i + 3, w.limit))
    )
      return true;
    if (k === K && id === w.procedure && t.is(i + 1, w.analyse)) return true;
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
  // Postgres (standard_conforming_strings), SQL Server and SQLite do not escape with `\\`:
  // in `'a\\'` the quote closes the literal. Read the value that way too, when that
  // changes a literal's end: only where a backslash kept the quote inside it (the same
  // tokens otherwise, so the same verdict).
  if (value.includes("'")) {
    const single = tokenize(`'${value}`);
    if (shapes(single, true)) return true;
    if (single.escapedQuote && value.includes("\\'") && shapes(tokenize(`'${value}`, false), true)) return true;
  }
  if (value.includes('"')) {
    const double = tokenize(`"${value}`);
    if (shapes(double, true)) return true;
    if (double.escapedQuote && value.includes('\\"') && shapes(tokenize(`"${value}`, false), true)) return true;
  }
  return false;
}
