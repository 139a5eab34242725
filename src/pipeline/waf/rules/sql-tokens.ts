/**
 * A small SQL tokenizer for the sqli group: detection by grammar, not by known
 * strings. A value is read as SQL three ways (as is, and as if it continued a
 * single- or double-quoted literal, which is where an injection starts), and the
 * token sequence is checked for shapes that only SQL takes: a quote closed and
 * followed by a boolean expression or a comment, a stacked statement, UNION
 * SELECT, SELECT of computed columns FROM, calls of SQL-only functions.
 * One pass per reading; at most {@link MAX_TOKENS} tokens are kept.
 */

/** Token kinds: string, number, keyword, function call, operator, logic, comment, variable, word, punctuation. */
type Kind = "s" | "n" | "k" | "f" | "o" | "l" | "c" | "v" | "b" | "(" | ")" | "," | ";";
interface Token {
  readonly kind: Kind;
  readonly word: string;
}

const MAX_TOKENS = 256;
const LOGIC: ReadonlySet<string> = new Set(["or", "and", "xor", "||", "&&", "not"]);
const WORD_OPERATORS: ReadonlySet<string> = new Set([
  "like",
  "rlike",
  "regexp",
  "between",
  "in",
  "is",
  "sounds",
  "div",
  "mod",
  "collate",
  "escape",
  "glob",
  "similar",
]);
const STATEMENTS: ReadonlySet<string> = new Set([
  "select",
  "insert",
  "update",
  "delete",
  "drop",
  "alter",
  "create",
  "truncate",
  "exec",
  "execute",
  "declare",
  "shutdown",
  "waitfor",
  "grant",
  "revoke",
  "merge",
  "call",
  "handler",
  "rename",
  "load",
  "copy",
  "analyze",
  "set",
  "begin",
  "commit",
  "rollback",
  "use",
  "show",
  "describe",
  "desc",
  "union",
  "with",
  "replace",
]);
const CLAUSES: ReadonlySet<string> = new Set([
  "from",
  "where",
  "having",
  "group",
  "order",
  "by",
  "limit",
  "offset",
  "into",
  "values",
  "case",
  "when",
  "then",
  "else",
  "end",
  "as",
  "join",
  "procedure",
  "all",
  "distinct",
  "top",
  "null",
  "true",
  "false",
  "table",
  "database",
  "schema",
  "outfile",
  "dumpfile",
  "delay",
  "time",
  "char",
  "convert",
  "cast",
]);
// Functions whose names are not English words: a call of one is SQL.
const SQL_FUNCTIONS =
  /^(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|lo_import|lo_get|lo_export|xp_\w+|sp_\w+|dbms_\w+|utl_\w+|group_concat|concat_ws|concat|db_name|user_name|schema_name|table_name|column_name|object_id|object_name|current_user|session_user|system_user|sys_context|substring|substr|mid|ascii|ord|char|chr|nchar|unhex|hex|make_set|elt|name_const|json_keys|json_extract|randomblob|sqlite_version|pg_read_file|pg_ls_dir|current_setting|version|database|ifnull|isnull|nullif|iif|coalesce|instr|locate|position|length|len|cast|convert|count|md5|sha1|floor|rand|exp|string_agg|array_agg|xmltype|ctxsys\.\w+|sysdate|now|row_count|found_rows|last_insert_id|getdate|waitfor|openrowset|opendatasource|openquery|exec|execute|if|case|user|select|overlay|encode|decode|quote_ident|query_to_xml|to_char|bin|conv|lpad|rpad|reverse|trim|soundex|left|right|power|abs|dbms_pipe\.receive_message)$/;
// Calls that are SQL even with no other sign: they only exist to read, stall or run.
const DANGEROUS =
  /^(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|lo_import|lo_get|lo_export|xp_\w+|dbms_\w+|utl_\w+|group_concat|concat_ws|db_name|user_name|schema_name|object_id|sys_context|make_set|name_const|json_keys|randomblob|pg_read_file|pg_ls_dir|current_setting|openrowset|opendatasource|openquery|query_to_xml|unhex|ctxsys\.\w+|dbms_pipe\.receive_message|waitfor|exec|execute)$/;

const isWordChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c === 46 || (c >= 65 && c <= 90);
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160;
const OPERATOR_CHARS = "=<>!|&+-*/%^~:";

/** Tokenizes `text` (already lower case). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n && out.length < MAX_TOKENS) {
    const c = text.charCodeAt(i);
    const ch = text[i] ?? "";
    // ODBC escape braces (`{fn ...}`, `{if ...}`) group nothing SQL needs.
    if (isSpace(c) || ch === "{" || ch === "}") {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") {
      let j = i + 1;
      for (; j < n; j++) {
        if (text[j] === ch) {
          if (text[j + 1] === ch) {
            j++;
            continue;
          }
          break;
        }
        if (text[j] === "\\") j++;
      }
      out.push({ kind: ch === "`" ? "b" : "s", word: text.slice(i, Math.min(j + 1, n)) });
      i = j + 1;
      continue;
    }
    if ((ch === "-" && text[i + 1] === "-") || ch === "#") {
      const end = text.indexOf("\n", i);
      out.push({ kind: "c", word: ch });
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      // MySQL's executable comments (`/*!50000select*/`) hold code: read their content as SQL.
      if (text[i + 2] === "!") {
        i += 3;
        while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
        continue;
      }
      // A closed comment is whitespace to SQL (`declare/**/@x`); an open one ends the input like `--`.
      if (end < 0) out.push({ kind: "c", word: "/*" });
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (ch === "@") {
      let j = i + 1;
      while (j < n && (text[j] === "@" || isWordChar(text.charCodeAt(j)))) j++;
      out.push({ kind: "v", word: text.slice(i, j) });
      i = j;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && isWordChar(text.charCodeAt(j))) j++;
      out.push({ kind: "n", word: text.slice(i, j) });
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      let k = j;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      const call = text[k] === "(";
      let kind: Kind = "b";
      if (LOGIC.has(word)) kind = "l";
      else if (WORD_OPERATORS.has(word)) kind = "o";
      else if (call && SQL_FUNCTIONS.test(word)) kind = "f";
      else if (STATEMENTS.has(word) || CLAUSES.has(word)) kind = "k";
      out.push({ kind, word });
      i = j;
      continue;
    }
    // The end of an executable comment opened above: nothing to SQL.
    if (ch === "*" && text[i + 1] === "/") {
      i += 2;
      continue;
    }
    if (OPERATOR_CHARS.includes(ch)) {
      let j = i + 1;
      while (j < n && OPERATOR_CHARS.includes(text[j] ?? "") && !(text[j] === "-" && text[j + 1] === "-")) j++;
      const word = text.slice(i, j);
      out.push({ kind: word === "||" || word === "&&" ? "l" : "o", word });
      i = j;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === "," || ch === ";") {
      out.push({ kind: ch, word: ch });
      i++;
      continue;
    }
    // Anything else (letters of other scripts, punctuation) is a word boundary.
    out.push({ kind: "b", word: ch });
    i++;
  }
  return out;
}

const operand = (t: Token | undefined): boolean =>
  t !== undefined &&
  (t.kind === "n" ||
    t.kind === "s" ||
    t.kind === "v" ||
    t.kind === "f" ||
    t.kind === "(" ||
    t.kind === "b" ||
    (t.kind === "k" && (t.word === "null" || t.word === "true" || t.word === "false" || t.word === "select" || t.word === "char")));
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
const ends = (t: Token | undefined): boolean => t === undefined || t.kind === "c" || t.kind === ";" || t.kind === ")" || t.kind === "l";
const is = (t: Token | undefined, word: string): boolean => t !== undefined && t.word === word;

/** What follows an injection point (the first token after the closed quote or number). */
// After a number, only comparison operators start an injected condition; arithmetic
// (`-`, `+`) is what ids, tokens and dates are made of (`0d8f3c9e-8a5b-...`).
const COMPARISON = /^(?:=|==|<|>|!=|<>|<=|>=|<=>|!|like|rlike|regexp|is|in|between|sounds|glob|similar)$/;

function breaksOut(tokens: readonly Token[], start: number, quoted: boolean): boolean {
  let i = start;
  while (tokens[i]?.kind === ")") i++;
  const t = tokens[i];
  if (t === undefined) return false;
  if (t.kind === "c" || t.kind === ";") return i > start || t.kind === ";" ? true : tokens[start - 1]?.kind === "s";
  if (t.kind === "k" && /^(?:union|having|order|group|limit|procedure|into|waitfor|select|and|or|where|from)$/.test(t.word)) return true;
  if (t.kind === "o" && !quoted && !COMPARISON.test(t.word)) return false;
  if (t.kind === "l" || t.kind === "o") {
    const a = tokens[i + 1];
    const b = tokens[i + 2];
    if (!operand(a)) return t.kind === "o" && a?.kind === "c";
    if (ends(b)) return strong(a) || t.kind === "o" || b !== undefined;
    // `x = y` must end the input (or a clause) unless a quote was broken: `1 = 1 in the spec` is prose.
    if (b?.kind === "o") return quoted ? operand(tokens[i + 3]) || ends(tokens[i + 3]) : operand(tokens[i + 3]) && ends(tokens[i + 4]);
    if (a?.kind === "f" || a?.kind === "(" || tokens[i + 2]?.kind === "f" || tokens[i + 3]?.kind === "f") return true;
    return false;
  }
  return false;
}

function shapes(tokens: readonly Token[], quoted: boolean): boolean {
  const first = tokens[0];
  // A bare call fragment (`database(`, `db_name(`): nothing but SQL looks like that.
  if (!quoted && first?.kind === "f" && tokens.length <= 3 && (tokens[1] === undefined || tokens[1].kind === "(")) return true;
  if (quoted && first?.kind === "s" && breaksOut(tokens, 1, true)) return true;
  if (!quoted && first?.kind === "n" && breaksOut(tokens, 1, false)) return true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    const next = tokens[i + 1];
    if (t.kind === "f" && DANGEROUS.test(t.word)) return true;
    if (t.word === "union") {
      for (let j = i + 1; j < i + 5 && j < tokens.length; j++) if (is(tokens[j], "select")) return true;
    }
    if (t.word === "select") {
      // SELECT of computed columns: `*`, a call, a literal, a variable, a list; or FROM a name.
      const a = next;
      if (
        a !== undefined &&
        (a.kind === "f" ||
          a.kind === "v" ||
          a.kind === "s" ||
          a.kind === "n" ||
          a.word === "*" ||
          a.word === "(" ||
          a.word === "null" ||
          a.word === "distinct" ||
          a.word === "top" ||
          a.kind === "c")
      )
        return true;
      if (
        a?.kind === "b" &&
        (tokens[i + 2]?.kind === "," || (is(tokens[i + 2], "from") && tokens[i + 3]?.kind === "b" && ends(tokens[i + 4])))
      )
        return true;
    }
    // A stacked statement counts only in a shape checked below (`; select a vendor` is prose).
    if (t.kind === ";" && (is(next, "shutdown") || is(next, "commit") || is(next, "rollback"))) return true;
    if (
      (t.word === "drop" || t.word === "truncate" || t.word === "alter") &&
      (is(next, "table") || is(next, "database") || is(next, "schema") || is(next, "user"))
    )
      return true;
    if (t.word === "insert" && is(next, "into") && tokens[i + 2]?.kind === "b") return true;
    if (t.word === "delete" && is(next, "from") && tokens[i + 2]?.kind === "b" && (ends(tokens[i + 3]) || is(tokens[i + 3], "where")))
      return true;
    if (t.word === "waitfor" && (is(next, "delay") || is(next, "time"))) return true;
    if (t.word === "into" && (is(next, "outfile") || is(next, "dumpfile"))) return true;
    if (t.word === "declare" && next?.kind === "v") return true;
    if (t.kind === "v" && t.word.startsWith("@@")) return true;
    if (
      (t.word === "exec" || t.word === "execute") &&
      next !== undefined &&
      (next.kind === "b" || next.kind === "v" || next.kind === "(" || next.kind === "f")
    )
      return true;
    if (t.word === "order" && is(next, "by") && tokens[i + 2]?.kind === "n") return true;
    if (t.word === "case" && is(next, "when")) return true;
    if (t.kind === "k" && t.word === "procedure" && is(next, "analyse")) return true;
    if (
      t.kind === "s" &&
      next?.kind === "l" &&
      (tokens[i + 2]?.kind === "s" || tokens[i + 2]?.kind === "n") &&
      (tokens[i + 3]?.kind === "o" || ends(tokens[i + 3]))
    )
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
  /^ {0,5}\d[\w.-]{0,40} {1,5}(?:or|and|xor|having|union|order|group|limit|procedure|into|waitfor|not)\b|\b(?:union|select|drop|truncate|alter|insert|delete|waitfor|exec|execute|declare|shutdown|procedure|order|case|into|information_schema)\b|@@/;

/**
 * True when `value` (normalised, lower case) reads as SQL injection.
 *
 * @example
 * ```ts
 * looksLikeSqlInjection("x' or 'a'='a"); // true
 * looksLikeSqlInjection("o'brien");      // false
 * ```
 */
export function looksLikeSqlInjection(value: string): boolean {
  // Without quotes, parentheses, operators or comments, only keyword shapes remain
  // (`union select`, `drop table`, `1 or 2`...): skip the tokenizer when none can start.
  if (PLAIN.test(value) && !PLAIN_SQL.test(value)) return false;
  if (shapes(tokenize(value), false)) return true;
  if (value.includes("'") && shapes(tokenize(`'${value}`), true)) return true;
  if (value.includes('"') && shapes(tokenize(`"${value}`), true)) return true;
  return false;
}
