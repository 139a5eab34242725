/**
 * Value rules for code injection into interpreters a server may run (code):
 * PHP tags, wrappers, functions and serialized objects; Node.js internals;
 * server-side template expressions and blocks; endless loops; obfuscated
 * JavaScript. An English word that is also a function name counts only when
 * called with a code-like argument. Each pattern is linear (npm run redos).
 */
import type { ValueRule } from "../types";

// PHP's functions that are no English word: a call of one is PHP, whatever its argument.
const PHP_FUNCTIONS: ReadonlySet<string> = new Set(
  `shell_exec passthru popen proc_open proc_close proc_nice proc_terminate proc_get_status pcntl_exec pcntl_fork pcntl_signal pcntl_alarm preg_replace preg_replace_callback preg_replace_callback_array mb_ereg_replace mb_eregi_replace ereg_replace eregi_replace create_function call_user_func call_user_func_array call_user_method call_user_method_array forward_static_call forward_static_call_array func_get_args register_shutdown_function register_tick_function set_error_handler set_exception_handler spl_autoload_register iterator_apply array_walk array_walk_recursive array_reduce uasort uksort include_once require_once file_get_contents file_put_contents fopen fputs fgets fread fwrite fclose fpassthru fscanf readfile tmpfile tempnam opendir readdir scandir rmdir getcwd chdir chroot lchown chown chgrp filegroup fileowner fileperms fileinode fileatime filectime filemtime filesize filetype file_exists is_writable is_writeable is_readable is_executable disk_free_space diskfreespace disk_total_space realpath readlink linkinfo unserialize serialize base64_decode base64_encode convert_uudecode hex2bin bin2hex gzinflate gzdeflate gzuncompress gzcompress gzdecode gzencode bzdecompress zlib_decode str_rot13 strrev strtr str_replace substr_replace str_repeat str_pad strip_tags addslashes stripslashes htmlspecialchars_decode html_entity_decode urldecode rawurldecode intval floatval boolval strval settype gettype sprintf vsprintf printf vprintf fprintf sscanf ucfirst lcfirst ucwords strtoupper strtolower json_decode json_encode phpinfo phpversion php_uname php_strip_whitespace highlight_file highlight_string show_source token_get_all parse_ini_file parse_ini_string move_uploaded_file symlink gethostbyname gethostbynamel gethostbyaddr dns_get_record getenv putenv apache_setenv apache_child_terminate ini_set ini_get ini_get_all ini_alter ini_restore get_cfg_var set_time_limit ignore_user_abort array_map array_filter usort var_dump debug_zval_dump debug_backtrace debug_print_backtrace print_r var_export get_defined_vars get_defined_functions get_defined_constants get_class_methods get_class_vars get_object_vars get_current_user getmypid getmyuid getmygid getmyinode getlastmod sys_get_temp_dir sys_getloadavg getrusage assert_options function_exists method_exists class_exists ob_start ob_get_contents ob_get_clean curl_init curl_setopt curl_exec curl_multi_exec fsockopen pfsockopen socket_create socket_connect stream_socket_client stream_socket_server stream_context_create stream_get_contents ftp_connect ftp_get ftp_put escapeshellcmd escapeshellarg parse_str session_start session_id session_decode session_encode setcookie setrawcookie header_remove headers_list checkdate chmod mkdir unlink posix_getpwuid posix_getpwnam posix_getgrgid posix_getlogin posix_getuid posix_geteuid posix_getegid posix_getcwd posix_kill posix_mkfifo posix_setuid posix_setgid posix_ttyname posix_uname mysql_query mysqli_query pg_query sqlite_query mb_send_mail imap_open openssl_decrypt mcrypt_decrypt simplexml_load_string simplexml_load_file libxml_disable_entity_loader xmlrpc_decode wp_remote_get wp_remote_post wp_remote_request wp_remote_fopen`.split(
    " ",
  ),
);
// PHP functions that run code or commands, read files or reveal the server: a value that is
// nothing but one of these names is the name a variable-function call (`$_GET['f']()`) takes.
const PHP_RISKY_NAMES: ReadonlySet<string> = new Set(
  `shell_exec passthru popen proc_open pcntl_exec create_function call_user_func call_user_func_array forward_static_call file_get_contents file_put_contents base64_decode gzinflate gzuncompress gzdecode str_rot13 convert_uudecode phpinfo php_uname highlight_file show_source move_uploaded_file get_defined_vars get_defined_functions get_defined_constants get_current_user posix_getpwuid posix_uname posix_kill assert_options preg_replace_callback array_walk register_shutdown_function set_error_handler ini_set putenv fsockopen pfsockopen stream_socket_client curl_exec escapeshellcmd unserialize include_once require_once wp_remote_get wp_remote_post`.split(
    " ",
  ),
);
// English words that are also code functions: a call counts only with a code-like argument.
const CODE_WORDS: ReadonlySet<string> = new Set(
  `eval assert system exec include require header mail extract chr ord dl file substr strlen print echo die exit list copy rename touch stat glob`.split(
    " ",
  ),
);

const SCRIPT_EXTENSIONS: ReadonlySet<string> = new Set([
  "jsp",
  "jspx",
  "php",
  "php3",
  "php4",
  "php5",
  "php7",
  "phtml",
  "phar",
  "asp",
  "aspx",
  "ashx",
  "asmx",
  "cer",
  "cgi",
  "pl",
  "py",
  "sh",
  "war",
  "jar",
]);
// Inside `{{ }}` or `${ }`: arithmetic, object internals or a call: template code, not text
// (`{{ body|safe }}` only marks a value as HTML: a template's own syntax, no way out of it).
const TEMPLATE_CODE =
  /\d[ \t]{0,5}[*+-][ \t]{0,5}\d|__class__|__globals__|__init__|config|self|request|lipsum|cycler|joiner|range|\|attr|constructor|\[['"]|['"(]|@|\.getclass|runtime|\bt\(/;
// A `while` condition that never changes: a literal, a constructor, a bare comparison of names.
const ENDLESS =
  /^(?:!{1,3})?[-+]?(?:''|""|``|\[\]|\{\}|\d{1,10}|true|false|this|infinity|nan|null|undefined|string|number|object|array|date|boolean|symbol|math|json|new[a-z]{1,20}|\((?:true|1|!0))$|^[a-z_]\w{0,19}[<>]\w{1,20}$/;

// A value that is one snake_case word, or one of the risky names without an underscore.
const RISKY_NAME_GATE = /^\s{0,3}(?:[a-z0-9]{1,30}_[a-z0-9_]{1,40}|phpinfo|passthru|popen|fsockopen|pfsockopen|unserialize|putenv)\s{0,3}$/;

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const CODE_PATTERNS: readonly RegExp[] = [TEMPLATE_CODE, ENDLESS, RISKY_NAME_GATE];

const isCodeFunction = (name: string): boolean => PHP_FUNCTIONS.has(name) || CODE_WORDS.has(name);

// How far one variable-function candidate is read: a call's callee is short.
const CALLEE_LIMIT = 120;

/** The index of `needle` in `v` between `from` and `end` (its whole match inside), or -1. */
function indexWithin(v: string, needle: string, from: number, end: number): number {
  // A slice of at most CALLEE_LIMIT characters: `indexOf` on the whole value would read to its end.
  const at = v.slice(from, end).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

/** Index after the whitespace and PHP comments (block, `#` and `//` line comments) at `from`, within `end`. */
function skipTrivia(v: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = v[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") i++;
    else if (c === "/" && v[i + 1] === "*") {
      // Searched within `end` only: an unbounded search from every `$` would make a value of
      // many `$/*` quadratic.
      const close = indexWithin(v, "*/", i + 2, end);
      if (close < 0) return end;
      i = close + 2;
    } else if (c === "#" || (c === "/" && v[i + 1] === "/")) {
      const eol = indexWithin(v, "\n", i, end);
      if (eol < 0) return end;
      i = eol + 1;
    } else break;
  }
  return i;
}

/** Index after the bracketed group opening at `from` (`[…]` or `{…}`, nested), or -1 when empty or unclosed. */
function skipGroup(v: string, from: number, end: number): number {
  let depth = 0;
  for (let i = from; i < end; i++) {
    const c = v[i];
    if (c === "[" || c === "{" || c === "(") depth++;
    else if (c === "]" || c === "}" || c === ")") {
      depth--;
      if (depth === 0) return v.slice(from + 1, i).trim() === "" ? -1 : i + 1;
    }
  }
  return -1;
}

/** True when the `$` before `at` starts a variable-function call: `$f(`, `$_GET[x](`, `${'a'.'b'}(`, `$a[0] (`. */
function variableCallAt(v: string, at: number): boolean {
  const end = Math.min(v.length, at + CALLEE_LIMIT);
  let i = at;
  while (v[i] === "$" && i < end) i++;
  i = skipTrivia(v, i, end);
  if (v[i] === "{") {
    i = skipGroup(v, i, end);
    if (i < 0) return false;
  } else {
    const start = i;
    while (i < end && /[\w\u0080-\uffff]/.test(v[i] ?? "")) i++;
    // A PHP variable name starts with a letter or `_`: `$5 (five dollars)` is a price.
    if (i === start || /\d/.test(v[start] ?? "")) return false;
  }
  for (let subscripts = 0; subscripts < 8; subscripts++) {
    const next = skipTrivia(v, i, end);
    if (v[next] !== "[" && v[next] !== "{") break;
    i = skipGroup(v, next, end);
    if (i < 0) return false;
  }
  return v[skipTrivia(v, i, end)] === "(";
}

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";

/**
 * The string literals joined by `.` that end just before `end` (`'sys'.'tem'`), concatenated,
 * read right to left; `undefined` unless at least two are joined. Bounded: eight literals of
 * at most 30 characters.
 */
function concatenationBefore(v: string, end: number): string | undefined {
  let i = end;
  let name = "";
  let literals = 0;
  for (; literals < 8; literals++) {
    while (isSpace(v[i - 1])) i--;
    const quote = v[i - 1];
    if (quote !== "'" && quote !== '"') break;
    const open = v.lastIndexOf(quote, i - 2);
    if (open < 0 || i - 1 - open > 31) break;
    const part = v.slice(open + 1, i - 1);
    if (!/^[a-z0-9_]*$/.test(part)) break;
    name = part + name;
    i = open;
    while (isSpace(v[i - 1])) i--;
    if (v[i - 1] !== ".") {
      literals++;
      break;
    }
    i--;
  }
  return literals >= 2 ? name : undefined;
}

/** True when a call's callee is string literals concatenated into a code function's name. */
export function callsConcatenatedName(value: string): boolean {
  // A concatenation is of quoted literals: without a quote, no callee can be one.
  if (!value.includes("'") && !value.includes('"')) return false;
  for (let p = value.indexOf("("); p >= 0; p = value.indexOf("(", p + 1)) {
    let i = p;
    while (isSpace(value[i - 1])) i--;
    if (value[i - 1] === ")") i--;
    const name = concatenationBefore(value, i);
    if (name !== undefined && isCodeFunction(name)) return true;
  }
  return false;
}

/** True when `value` calls a function through a variable, whatever trivia splits the callee from its call. */
export function callsVariableFunction(value: string): boolean {
  // A call needs a `(` within the callee's reach: the next one is tracked forward (linear in
  // all), so a `$` far from any `(` costs one comparison instead of a bounded scan.
  let paren = value.indexOf("(");
  for (let i = value.indexOf("$"); i >= 0 && paren >= 0;) {
    if (paren < i) paren = value.indexOf("(", i);
    if (paren >= 0 && paren - i <= CALLEE_LIMIT + 1 && variableCallAt(value, i + 1)) return true;
    // A run of `$` (`$$$f(`) is read once, from its first `$`: trying each would make a long run quadratic.
    let next = i + 1;
    while (value[next] === "$") next++;
    i = value.indexOf("$", next);
  }
  return false;
}

export const codeRules: readonly ValueRule[] = [
  // PHP open tag (`<?php`, `<?=`, a short tag), a closing tag after a statement (`<?xml …?>` is
  // no PHP), a Smarty `{php}` block, or a stream wrapper
  {
    id: 601,
    needs: "?[:{",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:<\?(?:php|=|\s|$)|[;)][ \t]{0,5}\?>|\[\/?\\?php\]|\{\/?php\}|\b(?:php|phar|zip|data|expect|glob|zlib|compress\.zlib|compress\.bzip2|ogg|rar|ssh2(?:\.\w{1,10})?):\/\/)/,
  },
  // call of a PHP code-execution or file function; a name starts after no letter (inside a word
  // every start would re-read the rest of it, and only a 41-character tail, never a function's
  // name, could match there)
  {
    id: 602,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => PHP_FUNCTIONS.has(t),
    pattern: /(?<![a-z_])([a-z_][a-z0-9_]{1,40})\s{0,10}(?:(?:\/\*[^*]{0,100}\*\/|(?:#|\/\/)[^\n]{0,100}\n)\s{0,10}){0,4}\(/g,
  },
  // call of an English-named code function with a code-like argument
  {
    id: 612,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => CODE_WORDS.has(t),
    pattern: /([a-z_]{2,10})[ \t]{0,10}\([ \t]{0,5}(?:['"`$]|[a-z_]\w{0,39}[ \t]{0,3}\(|\d{1,3}[ \t]{0,3}[).])/g,
  },
  // an empty call of a code function ending the value or path (`/get/substr()`); "eval() is used…" is prose
  {
    id: 622,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => CODE_WORDS.has(t),
    pattern: /(?:^|[/\\=;\s])([a-z_]{2,12})\(\s{0,3}\)\s{0,3};?$/g,
  },
  // PHP superglobal, variable function, `${` holding code (a call, a subscript, a string: a `${NAME}`,
  // `${var.region}` or `${HOME:-/root}` placeholder holds none; Log4j's `${x:…}` is java.ts's), or a
  // tagged template calling through a member (`[].sort.call\`${alert}\``)
  {
    id: 603,
    needs: "$",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /\$_(?:get|post|cookie|request|server|env|files|session)\b|\$globals\b|\$http_(?:get|post|cookie|server|env|session|post_files)_vars\b|\$http_raw_post_data\b|\$\{\s{0,5}[a-z_]\w{0,40}\s{0,5}[(['"]|\.\s{0,5}[a-z_$][\w$]{0,30}\s{0,5}`[^`]{0,100}\$\{|\${1,4}(?:[a-z_]\w{0,30}|\{[^}]{0,30}\})(?:\{[^}]{0,30}\}|\[[^\]]{0,30}\]){0,4}[ \t]{0,5}(?:\/\*[^*]{0,100}\*\/[ \t]{0,5})?\(/,
  },
  // a value that is one call of a code function
  {
    id: 616,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => CODE_WORDS.has(t),
    pattern: /^[ \t]{0,3}([a-z_]{2,12})[ \t]{0,3}\([ \t]{0,3}['"]?[\w.-]{1,40}['"]?[ \t]{0,3}\)[ \t]{0,3};?$/g,
  },
  // a parenthesised function name, called
  {
    id: 620,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: isCodeFunction,
    pattern: /\([ \t]{0,3}['"]?([a-z_]{2,30})['"]?[ \t]{0,3}\)[ \t]{0,3}\(/g,
  },
  // function name split from its call by a comment, or called through a string
  {
    id: 615,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern: /[a-z_]\s{0,10}(?:(?:\/\/|#)[^\n]{0,100}\n|\/\*[^*]{0,100}\*\/)\s{0,10}\(|['"][a-z_]{2,30}['"]\(/,
  },
  // PHP configuration directive set through input
  {
    id: 613,
    needs: "=",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /^\s{0,5}(?:allow_url_(?:fopen|include)|auto_(?:prepend|append)_file|disable_(?:functions|classes)|open_basedir|engine|extension|zend_extension|safe_mode\w{0,20}|register_globals|display_errors|error_log|include_path|sendmail_path|upload_tmp_dir|short_open_tag|magic_quotes_\w{1,10}|max_execution_time|memory_limit|post_max_size|(?:opcache|mbstring|pcre|session|apc|xdebug|phar|cgi|zend|mysqli?|pdo|curl|openssl)\.[\w.]{1,60})\s{0,3}=/,
  },
  // upload of a server-side script (file name header)
  {
    id: 614,
    plain: true,
    needs: ".",
    group: "code",
    paranoia: 1,
    score: 5,
    on: ["header"],
    accept: (t) =>
      SCRIPT_EXTENSIONS.has(
        t
          .replace(/\.{1,5}$/, "")
          .split(".")
          .pop() ?? "",
      ),
    pattern: /^([^/\\]{1,200}\.[^/\\]{0,20})$/g,
  },
  // serialized PHP object
  {
    id: 604,
    needs: ":",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|[^a-z0-9_])(?:[oc]:\+?\d{1,5}:"[\w\\]{1,100}":\+?\d{1,5}:\{|a:\+?\d{1,5}:\{(?:\}|[sidbn]:)|e:\d{1,5}:"[\w\\]{1,100}:[\w]{1,100}";)/,
  },
  // PHP session file or config file name
  {
    id: 605,
    plain: true,
    group: "code",
    paranoia: 1,
    score: 5,
    pattern: /(?:^|[/\\])(?:sess_[a-z0-9,-]{20,128}|\.user\.ini|php\.ini|php-fpm\.conf)$/,
  },
  // Node.js process, module or constructor access
  {
    id: 606,
    plain: true,
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /\b(?:require\s{0,5}\(\s{0,5}['"`](?:child_process|fs|net|http|vm|os|process)|child_process|process\s{0,5}\.\s{0,5}(?:mainmodule|binding|env|exit|kill|dlopen)|constructor\s{0,5}\.\s{0,5}constructor|\bfunction\s{0,5}\(\s{0,5}\)\s{0,5}\{|new\s{1,5}function\s{0,5}\(|_\$\$nd_func\$\$_|__js_function|\b(?:process|console|global|globalthis|module|require)\s{0,5}\[\s{0,5}['"`a-z]|console\s{0,5}\.\s{0,5}\w{1,10}\s{0,5}\.\s{0,5}(?:call|apply|bind)\b|module\s{0,5}\.\s{0,5}exports\s{0,5}=|console\s{0,5}\.\s{0,5}(?:log|info|warn|error|dir|debug|trace)\s{0,5}\(|^xyqktkrfrlvoqyqkx|settimeout\s{0,5}\(\s{0,5}['"`]|fromcharcode|\bimport\s{0,5}\(\s{0,5}['"`])/,
  },
  // endless loop as a denial of service (while without progress)
  {
    id: 607,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => ENDLESS.test(t.replace(/[ \t]/g, "")),
    pattern: /\bwhile[ \t]{0,5}\(([^)]{0,40})\)/g,
  },
  // endless for(;;) loop
  { id: 621, needs: "(", group: "code", paranoia: 1, score: 5, pattern: /\bfor[ \t]{0,5}\([ \t]{0,5};[ \t]{0,5};/ },
  // server-side template expression
  {
    id: 608,
    needs: "{",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => TEMPLATE_CODE.test(t),
    pattern: /(?:\{\{|\$\{)([^}]{0,200})/g,
  },
  // server-side template block or tag
  {
    id: 619,
    needs: "%{(",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern: /<%[^%]{0,200}%>|#\{[^}]{0,200}\}|\{%[^%]{0,200}%\}|\$\{\{|@\(|\{\{=/,
  },
  // Perl/Ruby code block or backtick execution
  {
    id: 609,
    group: "code",
    paranoia: 2,
    score: 5,
    pattern: /@\{\[[^\]]{0,200}\]\}|(?:^|[\s;(])(?:qx|qw)\s{0,5}[{([/|]|\b(?:system|exec|syscall|open)\s{1,5}['"]|`[^`]{1,200}`|%x\{/,
  },
  // base64 of JavaScript or shell code
  {
    id: 610,
    plain: true,
    group: "code",
    paranoia: 2,
    score: 5,
    pattern:
      /^(?:d2hpbgu|zxzhb|zg9jdw1lbn|cmvxdwly|xhuwmd|aw1wb3j0|y2hpbgrfchjvy2vzc|zm9yka|c3lzdgvt|y3vybc|d2dldc|l2jpbi9|yhdob2ft|ymfzaa|ym9va)[a-z0-9+/=]{0,4000}$/,
  },
  // JSFuck or obfuscated JavaScript
  {
    id: 611,
    needs: "[!(+",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern: /(?:\[\]\+?\[\]|\(!\[\]\+\[\]\)|!!\[\]|\+!\+\[\]|\[\]\[\(|\(\+\[\]\))/,
  },
  // variable-function call: `$f(`, `$_GET['a'](`, `$$x{0}[1] (` with comments anywhere, `${'sys'.'tem'}(`
  { id: 623, needs: "$", group: "code", paranoia: 1, score: 5, detect: callsVariableFunction, workPer: "$" },
  // a value that is nothing but a risky PHP function's name (what a variable-function call takes)
  {
    id: 624,
    plain: true,
    group: "code",
    paranoia: 1,
    score: 5,
    detect: (v) => PHP_RISKY_NAMES.has(v.trim()),
    plainGate: RISKY_NAME_GATE,
  },
  // a function name built by string concatenation and called: `('sys'.'tem')('id')`, `"ex"."ec"(`
  { id: 625, needs: "(", group: "code", paranoia: 1, score: 5, detect: callsConcatenatedName, workPer: "(" },
];
