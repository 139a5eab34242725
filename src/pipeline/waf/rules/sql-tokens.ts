/**
 * A small SQL tokenizer for the sqli group (the grammar it feeds is in
 * `sql-grammar.ts`): strings, numbers, keywords, calls of SQL functions,
 * operators, comments, variables, words and punctuation, in one linear pass.
 * Every token of the value is kept: the engine refuses values longer than its
 * per-value limit, so the token count is bounded by that limit.
 *
 * Why typed arrays and word ids, not a token object with its text: a value at
 * the inspection cap can hold 64K tokens, read up to five ways (sql-grammar.ts).
 * An object and a copied string per token made that cost ~10 ms of CPU per
 * reading; here a token is a kind, an id (the word, when the grammar knows it)
 * and a few flags, written into buffers that are reused, and nothing is
 * allocated per token. The grammar compares ids where it compared words: a
 * word the grammar does not know has id 0, and the grammar never asks for one.
 */
import { WordTable } from "./word-table";

/** Token kinds (0: past the end, what an absent token was). */
export const NONE = 0;
/** A string literal (`'…'`, `e'…'`, `$$…$$`). */
export const S = 1;
/** A number (or a word starting with a digit). */
export const N = 2;
/** A keyword: a statement word or a clause word. */
export const K = 3;
/** A call of an SQL function (`sleep(`). */
export const F = 4;
/** An operator: a run of operator characters, or a word operator (`like`). */
export const O = 5;
/** A logical operator (`or`, `and`, `xor`, `not`, `||`, `&&`). */
export const L = 6;
/** A comment (to the end: `--`, `#`, an open `/*`). */
export const C = 7;
/** A variable (`@x`, `@@version`). */
export const V = 8;
/** A word, a backtick-quoted name, or a character no other kind takes. */
export const B = 9;
export const OPEN = 10;
export const CLOSE = 11;
export const COMMA = 12;
export const SEMI = 13;

// Flags of a word the grammar knows (WORD_FLAGS, by id).
const LOGIC = 1;
const WORD_OPERATOR = 2;
const FUNCTION = 4;
const KEYWORD = 8;
/** A word that starts a statement. */
export const STATEMENT = 16;
/** A call that only reads, stalls or runs (see DANGEROUS_NAMES). */
export const DANGEROUS = 32;
/** A comparison operator (after a number, only these start an injected condition). */
export const COMPARISON = 64;
/** An object of DROP, CREATE, ALTER, TRUNCATE. */
export const OBJECT = 128;
/** What may follow ALTER TABLE t. */
export const ALTERATION = 256;
/** A dangerous call whose name is also an English word. */
export const ENGLISH_CALL = 512;

// Flags of a token (Tokens.flags).
/** A variable starting with `@@`. */
export const SYSTEM_VARIABLE = 1;
/** A call of a dangerous function (DANGEROUS). */
export const DANGEROUS_CALL = 2;

const words = (list: string): string[] => list.trim().split(/\s+/);
const LOGIC_WORDS = words("or and xor || && not");
const WORD_OPERATORS = words("like rlike regexp between in is sounds div mod collate escape glob similar ilike");
const STATEMENT_WORDS = words(
  "select insert update delete drop alter create truncate exec execute declare shutdown waitfor grant revoke merge call handler rename load copy analyze set begin commit rollback use show describe desc union with replace",
);
const CLAUSE_WORDS = words(
  "from where having group order by limit offset into values case when then else end as join procedure all distinct top null true false table database schema outfile dumpfile delay time char convert cast",
);
// Functions whose names are not English words: a call of one is SQL. Beside these names,
// the families `xp_…`, `sp_…`, `dbms_…`, `utl_…`, `ctxsys.…` (a prefix, then \w+).
const FUNCTION_NAMES = words(
  "sleep benchmark pg_sleep load_file extractvalue updatexml lo_import lo_get lo_export group_concat concat_ws concat db_name user_name schema_name table_name column_name object_id object_name current_user session_user system_user sys_context substring substr mid ascii ord char chr nchar unhex hex make_set elt name_const json_keys json_extract randomblob sqlite_version pg_read_file pg_ls_dir current_setting version database ifnull isnull nullif iif coalesce instr locate position length len cast convert count md5 sha1 floor rand exp string_agg array_agg xmltype sysdate now row_count found_rows last_insert_id getdate waitfor openrowset opendatasource openquery exec execute if case user select overlay encode decode quote_ident query_to_xml to_char bin conv lpad rpad reverse trim soundex left right power abs dbms_pipe.receive_message",
);
const FUNCTION_FAMILIES = ["xp_", "sp_", "dbms_", "utl_", "ctxsys."];
// Calls that are SQL even with no other sign: they only exist to read, stall or run. Beside
// these names, the families `xp_…`, `dbms_…`, `utl_…`, `ctxsys.…`.
const DANGEROUS_NAMES = words(
  "sleep benchmark pg_sleep load_file extractvalue updatexml lo_import lo_get lo_export group_concat concat_ws db_name user_name schema_name object_id sys_context make_set name_const json_keys randomblob pg_read_file pg_ls_dir current_setting openrowset opendatasource openquery query_to_xml unhex dbms_pipe.receive_message waitfor exec execute",
);
const DANGEROUS_FAMILIES = ["xp_", "dbms_", "utl_", "ctxsys."];
const COMPARISONS = words("= == < > != <> <= >= <=> ! like ilike rlike regexp is in between sounds glob similar");
const OBJECTS = words("table database schema user view procedure function index trigger");
const ALTERATIONS = words("add drop modify change rename alter column owner set");
const ENGLISH_CALLS = words("sleep benchmark exec execute waitfor");
// Other words and operators the grammar compares tokens with.
const GRAMMAR_WORDS = words(
  "select from where union limit into waitfor set procedure order execute exec alter true false null to time shutdown rollback commit outfile dumpfile not insert replace if drop distinct desc asc delay declare by analyse all @@ / ! * = < > :: when then case values update delete truncate top table stdout stdin program having group default create copy char cascade as",
);

/** Every word the grammar knows, by id (id 0: none). */
const WORDS: string[] = [""];
const WORD_FLAGS: number[] = [0];
const ID_OF = new Map<string, number>();
function know(list: readonly string[], flag: number): void {
  for (const w of list) {
    let id = ID_OF.get(w);
    if (id === undefined) {
      id = WORDS.length;
      WORDS.push(w);
      WORD_FLAGS.push(0);
      ID_OF.set(w, id);
    }
    WORD_FLAGS[id] = (WORD_FLAGS[id] ?? 0) | flag;
  }
}
know(LOGIC_WORDS, LOGIC);
know(WORD_OPERATORS, WORD_OPERATOR);
know(STATEMENT_WORDS, KEYWORD | STATEMENT);
know(CLAUSE_WORDS, KEYWORD);
know(FUNCTION_NAMES, FUNCTION);
know(DANGEROUS_NAMES, DANGEROUS);
know(COMPARISONS, COMPARISON);
know(OBJECTS, OBJECT);
know(ALTERATIONS, ALTERATION);
know(ENGLISH_CALLS, ENGLISH_CALL);
know(GRAMMAR_WORDS, 0);
const FLAGS = Uint16Array.from(WORD_FLAGS);

/**
 * The id of a word the grammar compares tokens with (`W.select`). Throws for a
 * word it was not told about: a typo would otherwise compare with nothing.
 */
export function wordId(word: string): number {
  const id = ID_OF.get(word);
  if (id === undefined) throw new Error(`sql-tokens: unknown word ${word}`);
  return id;
}

/** The flags of a known word's id (0 for id 0). */
export const wordFlags = (id: number): number => FLAGS[id] ?? 0;

// Finds a token's id without copying its text (ids are those of WORDS).
const TABLE = new WordTable(WORDS.slice(1));
const lookup = (text: string, start: number, end: number): number => TABLE.idOf(text, start, end);

/** True when `text[start, end)` is `prefix` followed by one or more `\w` characters (a function family). */
function inFamily(text: string, start: number, end: number, families: readonly string[]): boolean {
  for (const prefix of families) {
    if (end - start <= prefix.length || !text.startsWith(prefix, start)) continue;
    let k = start + prefix.length;
    for (; k < end; k++) {
      const c = text.charCodeAt(k);
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) break;
    }
    if (k === end) return true;
  }
  return false;
}

const PROCEDURE_PREFIXES = ["xp_", "sp_", "master.", "sys.", "dbo."];

/** True when `text[start, end)` is a system or qualified name (`xp_…`, `sp_…`, `master.…`, `sys.…`, `dbo.…`) or holds `..`. */
function procedureName(text: string, start: number, end: number): boolean {
  for (const prefix of PROCEDURE_PREFIXES) if (text.startsWith(prefix, start) && start + prefix.length <= end) return true;
  // Within the token only: a search to the value's end from every word would be quadratic.
  for (let k = start; k + 1 < end; k++) if (text.charCodeAt(k) === 46 && text.charCodeAt(k + 1) === 46) return true;
  return false;
}

// Character classes, per ASCII code (what the tokenizer does at a token's first character).
const SKIP = 1; // whitespace, and ODBC escape braces (`{fn ...}`), which group nothing SQL needs
const QUOTE_CHAR = 2; // ' " `
const PREFIX = 3; // e n b x: a string prefix (`e'…'`) or a word
const DOLLAR_CHAR = 4; // a dollar quote or a word
const DASH = 5; // a `--` comment or an operator
const HASH = 6; // a `#` comment
const SLASH = 7; // a `/*` comment or an operator
const AT = 8; // a variable
const DIGIT = 9;
const WORD = 10;
const STAR = 11; // the end of an executable comment (`*/`) or an operator
const OPERATOR = 12;
const PUNCTUATION = 13; // ( ) , ;
const OTHER = 14;
const CLASS = new Uint8Array(128).fill(OTHER);
const WORD_CHAR = new Uint8Array(128);
const OPERATOR_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-z0-9_$.]/i.test(ch)) WORD_CHAR[c] = 1;
  if ("=<>!|&+-*/%^~:".includes(ch)) OPERATOR_CHAR[c] = 1;
  if (/[a-z_.]/i.test(ch)) CLASS[c] = WORD;
  else if (/\d/.test(ch)) CLASS[c] = DIGIT;
  else if (OPERATOR_CHAR[c] === 1) CLASS[c] = OPERATOR;
}
for (const c of [9, 10, 11, 12, 13, 32, 123, 125]) CLASS[c] = SKIP;
for (const ch of "'\"`") CLASS[ch.charCodeAt(0)] = QUOTE_CHAR;
for (const ch of "enbx") CLASS[ch.charCodeAt(0)] = PREFIX;
for (const ch of "(),;") CLASS[ch.charCodeAt(0)] = PUNCTUATION;
CLASS[36] = DOLLAR_CHAR;
CLASS[45] = DASH;
CLASS[35] = HASH;
CLASS[47] = SLASH;
CLASS[64] = AT;
CLASS[42] = STAR;
const isWordChar = (c: number): boolean => c < 128 && WORD_CHAR[c] === 1;
const isOperatorChar = (c: number): boolean => c < 128 && OPERATOR_CHAR[c] === 1;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160;
const QUOTE = 39;
const BACKSLASH = 92;
const DOLLAR = 36;

// Set by closingQuote when a backslash kept the literal's own quote inside it (`'a\'b'`): only
// then would a reading without backslash escapes close the literal elsewhere (see tokenize).
let escapedQuote = false;

/** The index of the quote closing the literal opened at `open` (or `text.length`); doubled quotes stay inside. */
function closingQuote(text: string, open: number, backslashEscapes: boolean): number {
  const quote = text.charCodeAt(open);
  const n = text.length;
  let j = open + 1;
  for (; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === quote) {
      if (text.charCodeAt(j + 1) === quote) {
        j++;
        continue;
      }
      break;
    }
    if (backslashEscapes && c === BACKSLASH) {
      j++;
      if (text.charCodeAt(j) === quote) escapedQuote = true;
    }
  }
  return Math.min(j, n);
}

/**
 * The end of a Postgres dollar-quoted string opened at `i` (`$$…$$`, `$tag$…$tag$`),
 * or -1 when `$` does not open one there (`$1`, a price): the tag is a word, and
 * the literal runs to the same tag again (or to the end, like an open quote).
 */
function dollarQuoteEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && j - i <= 32) {
    const c = text.charCodeAt(j);
    if (!((c >= 97 && c <= 122) || c === 95)) break;
    j++;
  }
  if (text.charCodeAt(j) !== DOLLAR) return -1;
  const tag = text.slice(i, j + 1);
  const close = text.indexOf(tag, j + 1);
  return close < 0 ? text.length : close + tag.length;
}

/**
 * The tokens of one reading: parallel arrays, valid until the next {@link tokenize}
 * call (the buffers are reused). Reads past either end answer `NONE` and id 0.
 */
export class Tokens {
  length = 0;
  /** The text read (the reading's, with its leading quote). */
  text = "";
  kinds = new Uint8Array(256);
  ids = new Uint16Array(256);
  flags = new Uint8Array(256);
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  /** True when a backslash kept a literal's own quote inside it (see {@link tokenize}). */
  escapedQuote = false;

  kind(i: number): number {
    return i >= 0 && i < this.length ? (this.kinds[i] ?? NONE) : NONE;
  }

  id(i: number): number {
    return i >= 0 && i < this.length ? (this.ids[i] ?? 0) : 0;
  }

  /** True when token `i` is the word with id `word`. */
  is(i: number, word: number): boolean {
    return i >= 0 && i < this.length && this.ids[i] === word;
  }

  has(i: number, flag: number): boolean {
    return i >= 0 && i < this.length && ((this.flags[i] ?? 0) & flag) !== 0;
  }

  /** True when token `i` is a known word with `flag` (see wordFlags). */
  word(i: number, flag: number): boolean {
    return (wordFlags(this.id(i)) & flag) !== 0;
  }

  /** True when token `i` is a word (or backtick-quoted name) naming a system or qualified procedure, or holding `..`. */
  procedureName(i: number): boolean {
    return this.kind(i) === B && procedureName(this.text, this.starts[i] ?? 0, this.ends[i] ?? 0);
  }

  /** Room for `n` tokens. */
  reserve(n: number): void {
    if (n <= this.kinds.length) return;
    let size = this.kinds.length;
    while (size < n) size *= 2;
    this.kinds = new Uint8Array(size);
    this.ids = new Uint16Array(size);
    this.flags = new Uint8Array(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
  }
}

// One reading at a time (the grammar reads a value's tokens before the next reading starts).
const shared = new Tokens();

/** Appends a token to `shared` (module-level, not a closure: tokenize runs for every value). */
function emit(kind: number, id: number, flag: number, start: number, end: number): void {
  const i = shared.length++;
  shared.kinds[i] = kind;
  shared.ids[i] = id;
  shared.flags[i] = flag;
  shared.starts[i] = start;
  shared.ends[i] = end;
}

/**
 * Tokenizes `text` (already lower case). `backslashEscapes`: whether `\'` stays
 * inside a literal (MySQL; Postgres's `e'…'` strings) or the quote closes it (Postgres
 * with standard_conforming_strings, SQL Server, SQLite): the grammar reads both.
 * The answer is shared: it holds until the next call. Its `escapedQuote` says
 * whether a backslash kept a literal's own quote inside it; when it did not, the
 * same text read without backslash escapes gives the same tokens.
 */
export function tokenize(text: string, backslashEscapes = true): Tokens {
  const out = shared;
  const n = text.length;
  // A token is at least one character: at most n tokens.
  out.reserve(n + 1);
  out.text = text;
  out.length = 0;
  escapedQuote = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    let kind = c < 128 ? (CLASS[c] ?? OTHER) : c === 160 ? SKIP : OTHER;
    if (kind === PREFIX) {
      // `e'…'`, `n'…'`, `b'…'`, `x'…'`: a literal with a prefix, when the letter is a word of its own.
      kind = text.charCodeAt(i + 1) === QUOTE && (i === 0 || !isWordChar(text.charCodeAt(i - 1))) ? QUOTE_CHAR : WORD;
    } else if (kind === DOLLAR_CHAR) {
      const end = dollarQuoteEnd(text, i);
      if (end > 0) {
        emit(S, 0, 0, i, end);
        i = end;
        continue;
      }
      kind = WORD;
    } else if (kind === DASH) {
      kind = text.charCodeAt(i + 1) === 45 ? HASH : OPERATOR;
    } else if (kind === SLASH) {
      if (text.charCodeAt(i + 1) === 42) {
        // MySQL's executable comments (`/*!50000select*/`) hold code: read their content as SQL.
        if (text.charCodeAt(i + 2) === 33) {
          i += 3;
          while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
          continue;
        }
        const end = text.indexOf("*/", i + 2);
        // A closed comment is whitespace to SQL (`declare/**/@x`); an open one ends the input like `--`.
        if (end < 0) emit(C, 0, 0, i, i + 2);
        i = end < 0 ? n : end + 2;
        continue;
      }
      kind = OPERATOR;
    } else if (kind === STAR) {
      // The end of an executable comment opened above: nothing to SQL.
      if (text.charCodeAt(i + 1) === 47) {
        i += 2;
        continue;
      }
      kind = OPERATOR;
    }
    switch (kind) {
      case SKIP:
        i++;
        break;
      case QUOTE_CHAR: {
        const prefixed = c !== QUOTE && c !== 34 && c !== 96;
        const j = closingQuote(text, prefixed ? i + 1 : i, backslashEscapes || c === 101);
        // A backtick-quoted name is a word; its id stays 0 (no known word holds a backtick).
        emit(c === 96 ? B : S, 0, 0, i, Math.min(j + 1, n));
        i = j + 1;
        break;
      }
      case HASH: {
        // `--` or `#`: a comment to the end of the line.
        const end = text.indexOf("\n", i);
        emit(C, 0, 0, i, i + 1);
        i = end < 0 ? n : end + 1;
        break;
      }
      case AT: {
        let j = i + 1;
        while (j < n && (text.charCodeAt(j) === 64 || isWordChar(text.charCodeAt(j)))) j++;
        emit(V, lookup(text, i, j), text.charCodeAt(i + 1) === 64 ? SYSTEM_VARIABLE : 0, i, j);
        i = j;
        break;
      }
      case DIGIT: {
        let j = i + 1;
        while (j < n && isWordChar(text.charCodeAt(j))) j++;
        emit(N, 0, 0, i, j);
        i = j;
        break;
      }
      case WORD: {
        let j = i + 1;
        while (j < n && isWordChar(text.charCodeAt(j))) j++;
        const id = lookup(text, i, j);
        const known = FLAGS[id] ?? 0;
        let type = B;
        let flag = 0;
        if ((known & LOGIC) !== 0) type = L;
        else if ((known & WORD_OPERATOR) !== 0) type = O;
        else if ((known & FUNCTION) !== 0 || (j - i > 3 && inFamily(text, i, j, FUNCTION_FAMILIES))) {
          // A function's name is a call only before `(`: read past the blanks.
          let k = j;
          while (k < n && isSpace(text.charCodeAt(k))) k++;
          if (text.charCodeAt(k) === 40) {
            type = F;
            if ((known & DANGEROUS) !== 0 || inFamily(text, i, j, DANGEROUS_FAMILIES)) flag = DANGEROUS_CALL;
          }
        }
        if (type === B && (known & KEYWORD) !== 0) type = K;
        emit(type, id, flag, i, j);
        i = j;
        break;
      }
      case OPERATOR: {
        let j = i + 1;
        while (j < n && isOperatorChar(text.charCodeAt(j)) && !(text.charCodeAt(j) === 45 && text.charCodeAt(j + 1) === 45)) j++;
        const id = lookup(text, i, j);
        const logic = j - i === 2 && (text.startsWith("||", i) || text.startsWith("&&", i));
        emit(logic ? L : O, id, 0, i, j);
        i = j;
        break;
      }
      case PUNCTUATION:
        emit(c === 40 ? OPEN : c === 41 ? CLOSE : c === 44 ? COMMA : SEMI, 0, 0, i, i + 1);
        i++;
        break;
      default:
        // Anything else (letters of other scripts, punctuation) is a word boundary.
        emit(B, 0, 0, i, i + 1);
        i++;
    }
  }
  out.escapedQuote = escapedQuote;
  return out;
}
