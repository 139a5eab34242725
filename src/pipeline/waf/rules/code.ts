/**
 * Value rules for code injection into interpreters a server may run (code):
 * PHP tags, wrappers, functions and serialized objects; Node.js internals;
 * server-side template expressions and blocks; endless loops; obfuscated
 * JavaScript. An English word that is also a function name counts only when
 * called with a code-like argument. Each pattern is linear (npm run redos).
 */
import type { ValueRule } from "../types";

const PHP_FUNCTIONS: ReadonlySet<string> = new Set(
  `shell_exec passthru popen proc_open pcntl_exec preg_replace create_function call_user_func call_user_func_array include_once require_once file_get_contents file_put_contents fopen readfile fwrite unserialize base64_decode gzinflate gzuncompress str_rot13 phpinfo highlight_file show_source parse_ini_file move_uploaded_file symlink gethostbyname getenv putenv ini_set ini_get array_map array_filter usort var_dump print_r var_export ob_start curl_exec fsockopen pfsockopen stream_socket_client escapeshellcmd parse_str session_start setcookie checkdate strrev chmod mkdir unlink posix_getpwuid posix_kill posix_setuid posix_uname`.split(
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

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const CODE_PATTERNS: readonly RegExp[] = [TEMPLATE_CODE, ENDLESS];

export const codeRules: readonly ValueRule[] = [
  // PHP open tag or stream wrapper
  {
    id: 601,
    needs: "?[:",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:<\?(?:php|=|\s|$)|\?>|\[\/?\\?php\]|\b(?:php|phar|zip|data|expect|glob|zlib|compress\.zlib|compress\.bzip2|ogg|rar|ssh2(?:\.\w{1,10})?):\/\/)/,
  },
  // call of a PHP code-execution or file function
  {
    id: 602,
    needs: "(",
    group: "code",
    paranoia: 1,
    score: 5,
    accept: (t) => PHP_FUNCTIONS.has(t),
    pattern: /([a-z_][a-z0-9_]{1,40})\s{0,10}(?:\/\*[^*]{0,100}\*\/\s{0,10})?\(/g,
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
  // PHP superglobal, variable function, `${` holding code (a `${NAME}` placeholder holds none), or a
  // tagged template calling through a member (`[].sort.call\`${alert}\``)
  {
    id: 603,
    needs: "$",
    group: "code",
    paranoia: 1,
    score: 5,
    pattern:
      /\$_(?:get|post|cookie|request|server|env|files|session)\b|\$globals\b|\$\{\s{0,5}[a-z_]\w{0,40}\s{0,5}[^\s\w}]|\.\s{0,5}[a-z_$][\w$]{0,30}\s{0,5}`[^`]{0,100}\$\{|\${1,4}(?:[a-z_]\w{0,30}|\{[^}]{0,30}\})(?:\{[^}]{0,30}\}|\[[^\]]{0,30}\]){0,4}[ \t]{0,5}(?:\/\*[^*]{0,100}\*\/[ \t]{0,5})?\(/,
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
    accept: (t) => CODE_WORDS.has(t),
    pattern: /\([ \t]{0,3}['"]?([a-z_]{2,12})['"]?[ \t]{0,3}\)[ \t]{0,3}\(/g,
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
    pattern: /(?:^|[;{])[oc]:\d{1,5}:"[\w\\]{1,100}":\d{1,5}:\{|^a:\d{1,5}:\{[si]:/,
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
      /\b(?:require\s{0,5}\(\s{0,5}['"`](?:child_process|fs|net|http|vm|os|process)|child_process|process\s{0,5}\.\s{0,5}(?:mainmodule|binding|env|exit|kill|dlopen)|constructor\s{0,5}\.\s{0,5}constructor|\bfunction\s{0,5}\(\s{0,5}\)\s{0,5}\{|new\s{1,5}function\s{0,5}\(|_\$\$nd_func\$\$_|__js_function|\b(?:process|console|global|globalthis|module|require)\s{0,5}\[\s{0,5}['"`a-z]|console\s{0,5}\.\s{0,5}\w{1,10}\s{0,5}\.\s{0,5}(?:call|apply|bind)\b|module\s{0,5}\.\s{0,5}exports\s{0,5}=|console\s{0,5}\.\s{0,5}(?:log|info|warn|error|dir|debug|trace)\s{0,5}\(|^xyqk|settimeout\s{0,5}\(\s{0,5}['"`]|fromcharcode|\bimport\s{0,5}\(\s{0,5}['"`])/,
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
];
