/**
 * A small SQL tokenizer for the sqli group (the grammar it feeds is in
 * `sql-grammar.ts`): strings, numbers, keywords, calls of SQL functions,
 * operators, comments, variables, words and punctuation, in one linear pass.
 * Every token of the value is kept: the engine refuses values longer than its
 * per-value limit, so the token count is bounded by that limit.
 */

/** Token kinds: string, number, keyword, function call, operator, logic, comment, variable, word, punctuation. */
export type Kind = "s" | "n" | "k" | "f" | "o" | "l" | "c" | "v" | "b" | "(" | ")" | "," | ";";
/** One token: its kind and its text (lower case). */
export interface Token {
  readonly kind: Kind;
  readonly word: string;
}

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
  "ilike",
]);
/** Words that start a statement. */
export const STATEMENTS: ReadonlySet<string> = new Set([
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
export const DANGEROUS =
  /^(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|lo_import|lo_get|lo_export|xp_\w+|dbms_\w+|utl_\w+|group_concat|concat_ws|db_name|user_name|schema_name|object_id|sys_context|make_set|name_const|json_keys|randomblob|pg_read_file|pg_ls_dir|current_setting|openrowset|opendatasource|openquery|query_to_xml|unhex|ctxsys\.\w+|dbms_pipe\.receive_message|waitfor|exec|execute)$/;

const isWordChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c === 46 || (c >= 65 && c <= 90);
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160;
const OPERATOR_CHARS = "=<>!|&+-*/%^~:";

/** The index of the quote closing the literal opened at `open` (or `text.length`); doubled quotes stay inside. */
function closingQuote(text: string, open: number, backslashEscapes: boolean): number {
  const quote = text[open];
  let j = open + 1;
  for (; j < text.length; j++) {
    if (text[j] === quote) {
      if (text[j + 1] === quote) {
        j++;
        continue;
      }
      break;
    }
    if (backslashEscapes && text[j] === "\\") j++;
  }
  return j;
}

/**
 * The end of a Postgres dollar-quoted string opened at `i` (`$$…$$`, `$tag$…$tag$`),
 * or -1 when `$` does not open one there (`$1`, a price): the tag is a word, and
 * the literal runs to the same tag again (or to the end, like an open quote).
 */
function dollarQuoteEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && j - i <= 32 && /[a-z_]/.test(text[j] ?? "")) j++;
  if (text[j] !== "$") return -1;
  const tag = text.slice(i, j + 1);
  const close = text.indexOf(tag, j + 1);
  return close < 0 ? text.length : close + tag.length;
}

// Letters that prefix a Postgres string literal: escape (`e'\x41'`), national, bit, hex.
const STRING_PREFIXES = "enbx";

/**
 * Tokenizes `text` (already lower case). `backslashEscapes`: whether `\'` stays
 * inside a literal (MySQL; Postgres's `e'…'` strings) or the quote closes it (Postgres
 * with standard_conforming_strings, SQL Server, SQLite): the grammar reads both.
 */
export function tokenize(text: string, backslashEscapes = true): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const ch = text[i] ?? "";
    // ODBC escape braces (`{fn ...}`, `{if ...}`) group nothing SQL needs.
    if (isSpace(c) || ch === "{" || ch === "}") {
      i++;
      continue;
    }
    // `e'…'`, `n'…'`, `b'…'`, `x'…'`: a literal with a prefix, when the letter is a word of its own.
    const prefixed = STRING_PREFIXES.includes(ch) && text[i + 1] === "'" && (i === 0 || !isWordChar(text.charCodeAt(i - 1)));
    if (ch === "'" || ch === '"' || ch === "`" || prefixed) {
      const open = prefixed ? i + 1 : i;
      const j = closingQuote(text, open, backslashEscapes || ch === "e");
      out.push({ kind: ch === "`" ? "b" : "s", word: text.slice(i, Math.min(j + 1, n)) });
      i = j + 1;
      continue;
    }
    if (ch === "$") {
      const end = dollarQuoteEnd(text, i);
      if (end > 0) {
        out.push({ kind: "s", word: text.slice(i, end) });
        i = end;
        continue;
      }
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
