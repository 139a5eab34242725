/**
 * Value rules for injection into interpreters other than SQL: OS commands (rce),
 * PHP/Node/template code (code), Java/Log4Shell lookups and gadget classes (java),
 * and the sqli group (tokenizer first, then a few fragments only SQL writes).
 * Patterns run on the normalised, lower-cased value. No pattern nests a
 * quantifier or repeats two overlapping classes: each is linear (npm run redos).
 */
import type { TargetKind, ValueRule } from "../types";
import { SHELL_ARGUMENT } from "./context";
import { DOT_FILE, dotFile } from "./locations";
import { looksLikeSqlInjection, PLAIN_SQL } from "./sql-grammar";

// Every kind of value, and a credential's: the classes that matter whatever a field is named.
const WITH_SECRETS: readonly TargetKind[] = ["path", "query", "header", "cookie", "body", "name", "secret"];

// Unix and Windows commands that an injected shell line starts with. Matched as
// whole tokens (basename, `.exe` dropped) against this set, not as one long
// alternation: a set lookup cannot backtrack.
const isCommand = (token: string): boolean => {
  const slash = Math.max(token.lastIndexOf("/"), token.lastIndexOf("\\"));
  const base = slash < 0 ? token : token.slice(slash + 1);
  return COMMANDS.has(base.endsWith(".exe") ? base.slice(0, -4) : base);
};
const COMMANDS: ReadonlySet<string> = new Set(
  `ansible ansible-config ansible-galaxy ansible-playbook ansible-vault apt apt-get aptitude at attrib awk aws az base64 bash bcdboot bcdedit bg bitsadmin bsdtar busybox bzip2 cacls call cat cd certutil chef-client chef-vault chmod chown cmd copy cp crontab cscript csh curl dash dd del dig dir diskpart dnf docker echo env eval exec export fg find findstr forfiles ftp gawk gcc gcloud grep gunzip gzip head history hostname htop icacls id iex ifconfig ip ipconfig iwmi iwr java jobs jrunscript kill knife ksh kubectl last lastlog less ls lsof lua make md mkfifo mknod more mount move mshta msiexec mv nano nc ncat net netcat netstat nltest nmap node nohup npm nslookup od openssl passwd perf perl php ping pip pkill powershell printenv printf ps pwd pwsh python python2 python3 python3.10 python3.11 python3.12 rd reg regsvr32 ren rm ruby runas rundll32 sc schtasks scp screen sed service set sh shutdown sleep socat ss ssh start su sudo systemctl systeminfo tac tail tar taskkill tasklist tee telnet tftp time timeout tmux top touch type uname unxz unzip uptime useradd ver vi vim vol w wget who whoami wmic wscript xargs xxd xz xzcat yum zcat zgrep zip zless zsh zstd zstdcat`.split(
    /\s+/,
  ),
);

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
// Inside `${ }`: a Log4j lookup prefix, or a nested lookup.
const LOOKUP =
  /(?:jndi|ldap|rmi|dns|iiop|corba|nds|nis|env|sys|java|lower|upper|date|main|ctx|base64|k8s|docker|spring|bundle|marker|map|sd|log4j|web|\$\{)[^}:]{0,10}:/;

// A credential's template or expression: closed, with code inside (arithmetic, a call, a member, a quote).
const SECRET_EXPRESSION = /^\s{0,5}(?:\d{1,10}\s{0,5}[*+/-]\s{0,5}\d|[a-z_$][\w$]{0,40}\s{0,5}[.(:[]|['"])/;
// A backtick span as markdown writes inline code: opened after a space, `(`, `[` or a quote and closed before one.
const CODE_SPAN_BEFORE = /[\s([{'"*_]/;
const CODE_SPAN_AFTER = /[\s.,;:!?)\]}'"*_]/;

/**
 * Command substitution with backticks, as a shell reads it: `x\`id\``, `;\`id\``,
 * or the whole value; not markdown's inline code ("run \`ls -la\` on each host"),
 * whose span stands between spaces in a sentence.
 */
function backtickCommand(value: string): boolean {
  let open = value.indexOf("`");
  while (open >= 0) {
    const close = value.indexOf("`", open + 1);
    const inside = value.slice(open + 1, close < 0 ? value.length : close);
    const command = /^[\s(]{0,3}([\w./\\-]{1,60})/.exec(inside)?.[1];
    if (command !== undefined && isCommand(command)) {
      const before = value[open - 1];
      const after = close < 0 ? undefined : value[close + 1];
      const whole = value.slice(0, open).trim() === "" && (close < 0 || value.slice(close + 1).trim() === "");
      const codeSpan =
        close >= 0 && before !== undefined && CODE_SPAN_BEFORE.test(before) && (after === undefined || CODE_SPAN_AFTER.test(after));
      if (whole || !codeSpan) return true;
    }
    if (close < 0) return false;
    open = value.indexOf("`", close + 1);
  }
  return false;
}

// A program in a bin directory where a command stands; the arguments after it are checked apart
// (one regex with both could match a line many ways, which the ReDoS check refuses).
const BIN_PROGRAM = /(?:^|[;|&'"=(\x60]|\$\()\s{0,5}\/?(?:usr\/(?:local\/)?)?s?bin\/[a-z][\w.-]{0,40}(?![\w./\\-])/g;
const ARGUMENT_AT = new RegExp(SHELL_ARGUMENT, "y");
const SHELL_VARIABLE =
  /\$\{?ifs\b|[\w/'"=]\$\{?(?:shell|path|home|bash\w{0,10}|ps[1-4])\b|\$\{?(?:shell|path|home|bash\w{0,10}|ps[1-4])\}?(?:[/:]|\s{0,3}-)|^\s{0,3}\$\{?(?:shell|path|home|bash\w{0,10}|ps[1-4])\}?\s{0,3}$/;
// Every plain value (no separator, quote or `$`) rule 514 accepts starts with a bin path.
const PLAIN_BIN_PROGRAM = /^\s{0,5}\/?(?:usr\/(?:local\/)?)?s?bin\//;

/** A bin-directory program followed by what a command line passes it, or a shell variable spelling a command or path. */
function binProgramOrShellVariable(value: string): boolean {
  BIN_PROGRAM.lastIndex = 0;
  for (let m = BIN_PROGRAM.exec(value); m !== null; m = BIN_PROGRAM.exec(value)) {
    ARGUMENT_AT.lastIndex = m.index + m[0].length;
    if (ARGUMENT_AT.test(value)) return true;
  }
  return SHELL_VARIABLE.test(value);
}

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const INJECTION_INNER_PATTERNS: readonly RegExp[] = [
  TEMPLATE_CODE,
  LOOKUP,
  ENDLESS,
  SECRET_EXPRESSION,
  CODE_SPAN_BEFORE,
  CODE_SPAN_AFTER,
  BIN_PROGRAM,
  ARGUMENT_AT,
  SHELL_VARIABLE,
];

export const injectionRules: readonly ValueRule[] = [
  // --- rce: OS command injection -----------------------------------------------------------
  // command after a shell separator, followed by what a command line has there (the end, an option,
  // a path, a redirection...): "; set both", "; last report on…" are English after a semicolon
  {
    id: 501,
    needs: ";|\n&$<>",
    group: "rce",
    paranoia: 1,
    score: 5,
    accept: isCommand,
    pattern: new RegExp(String.raw`(?:[;|\n\r]|&&|\$\(|^&|<\(|>\()[\s{(]{0,5}([\w./\\-]{1,60})${SHELL_ARGUMENT}`, "g"),
  },
  // command substitution running a command: `$(cmd`, or a backtick span a shell would run
  { id: 502, needs: "$", group: "rce", paranoia: 1, score: 5, accept: isCommand, pattern: /\$\([\s(]{0,3}([\w./\\-]{1,60})/g },
  { id: 519, needs: "`", group: "rce", paranoia: 1, score: 5, detect: backtickCommand },
  // a value that is a command line with options or paths
  {
    id: 503,
    plain: true,
    group: "rce",
    paranoia: 1,
    score: 5,
    accept: isCommand,
    pattern:
      /^\s{0,3}(?:['"]\s{0,3})?([\w./\\-]{1,60})[ \t]{1,5}(?:-{1,2}[a-z]|\/[a-z]|[a-z]:[\\/]|[a-z]{1,20}=[/~.$'"]|[\w.-]{0,60}[ \t]{0,3}(?:[|;<>]|&&)|\$|"|%)/g,
  },
  // shell evasion: quotes, globs, $@/${} inside command names
  {
    id: 504,
    needs: "$'\"\\/",
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|[;|&`\s])(?:[a-z]{1,4}(?:\$\{?[@*!#\w]{0,10}\}?|''|""|\\)[a-z]{1,6}|\/[a-z?*]{1,4}\/[a-z?*]{1,3}[?*][a-z?*]{0,3})(?=[\s;|&]|$)/,
  },
  // program in a bin directory run where a command stands (the value's start, after a separator, `=`
  // or a quote) with a command line's arguments; or a shell variable used to spell a command or path
  // (`$IFS`, `cat$HOME/x`, `${PATH:0:1}`, `$SHELL -c`), not a `${HOME}` placeholder in a sentence
  { id: 514, needs: "/$", group: "rce", paranoia: 1, score: 5, detect: binProgramOrShellVariable, plainGate: PLAIN_BIN_PROGRAM },
  // shell brace expansion hiding a command ({l,-lh}s, c{a,oun}t)
  // (a letter inside: `{1,6}` is a regex quantifier)
  {
    id: 515,
    needs: "{",
    group: "rce",
    paranoia: 1,
    score: 5,
    accept: (t) => /[a-z]/.test(t),
    pattern: /\{([\w./-]{0,20},[\w.,/-]{0,40})\}/g,
  },
  // PowerShell download or execution cmdlet
  {
    id: 516,
    plain: true,
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern:
      /\b(?:invoke-(?:webrequest|expression|restmethod|command|item|wmimethod|shellcode|mimikatz)|new-object\s{1,5}(?:net\.webclient|system\.net\.\w{1,30})|start-process|downloadstring|downloadfile|-encodedcommand|set-executionpolicy|add-mppreference)\b/,
  },
  // bash's network redirection (`/dev/tcp/host/port`), or a shell run after a separator
  // (sensitive files as a whole value are rule 302; a path named in a sentence is neither)
  {
    id: 505,
    plain: true,
    needs: "/",
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern: /\/dev\/(?:tcp|udp)\/[\w.-]|(?:^|[;|&\x60(]|\$\()\s{0,5}\/bin\/(?:ba|z|k|da)?sh\b/,
  },
  // Windows cmd FOR loop
  {
    id: 506,
    needs: "/%(",
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern: /\bfor[ \t]{1,20}(?:\/[dflr]\b|%%?[^\s%]{1,30}[ \t]{1,20}in[ \t]{0,20}\()/,
  },
  // Windows cmd IF condition
  {
    id: 517,
    plain: true,
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern:
      /\bif[ \t]{1,30}(?:\/i[ \t]{1,30})?(?:not[ \t]{1,30})?(?:exist|defined|errorlevel|cmdextversion)\b|\bif[ \t]{1,30}(?:\/i[ \t]{1,30})?[^\s=]{1,60}==|\bif[ \t]{1,30}[^\s]{1,60}[ \t]{1,30}(?:equ|neq|lss|leq|gtr|geq)[ \t]/,
  },
  // Windows cmd variable expansion or GOTO
  {
    id: 518,
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern: /%[a-z_]{1,30}(?::~-?\d{1,4}(?:,-?\d{1,4})?)?%|\bgoto[ \t]{1,10}:?[a-z_]{1,30}$/,
  },
  // here-string, redirection or pipe into a shell
  {
    id: 507,
    needs: "<|>&",
    group: "rce",
    paranoia: 1,
    score: 5,
    pattern: /(?:<<<|\|\s{0,5}(?:ba|z|k|da)?sh\b|>\s{0,3}\/(?:tmp|dev|var|etc)\/|\d?>&\s{0,3}\d)/,
  },
  // dot-file of a credential or shell configuration, as the whole value
  { id: 508, plain: true, needs: ".", group: "rce", paranoia: 1, score: 5, detect: dotFile, plainGate: DOT_FILE },
  // a lone command run after a prefix character (;env, \ls, |id)
  { id: 509, needs: ";|&`\\", group: "rce", paranoia: 1, score: 5, accept: isCommand, pattern: /^[;|&`\\]{1,2}\s{0,3}([\w./\\-]{1,60})$/g },
  // shell metacharacters inside a word ($(), backticks, <() splitting a command)
  {
    id: 510,
    needs: "$`<\\",
    group: "rce",
    paranoia: 2,
    score: 5,
    pattern: /[a-z](?:\$\(\)|``|<\(\)|\$\{\}|\$@|\$\*|\\[a-z])[a-z]{1,12}\s/,
  },
  // SMTP/IMAP/POP3 command injection
  {
    id: 511,
    needs: "\n",
    group: "rce",
    paranoia: 2,
    score: 5,
    pattern:
      /[\r\n]\s{0,5}(?:mail\s{1,5}from|rcpt\s{1,5}to|data|helo|ehlo|vrfy|expn|auth\s{1,5}(?:login|plain)|a\d{1,5}\s{1,5}(?:login|select|fetch|list|uid|store|logout|capability)|\d{1,3}\s{1,5}(?:list|select|fetch|login|uid)|(?:user|pass|retr|dele|list|top|uidl|quit|stat)\s{1,5}\S{0,60})\s{0,5}[:\s]/,
  },
  // a command word alone at the start of a line
  {
    id: 512,
    needs: "\n",
    group: "rce",
    paranoia: 2,
    score: 5,
    accept: isCommand,
    pattern: /[\r\n][ \t]{0,5}([\w./\\-]{1,60})(?:[ \t]{1,5}[^\s]{1,60})?[ \t]{0,5}(?:[\r\n]|$)/g,
  },
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
  // --- java: Log4Shell lookups, expression languages, deserialization gadgets ---------------
  // Log4j/JNDI lookup
  {
    id: 1201,
    needs: "{",
    group: "java",
    paranoia: 1,
    score: 5,
    on: WITH_SECRETS,
    accept: (t) => LOOKUP.test(t),
    pattern: /\$\{([^}]{0,80})/g,
  },
  // Java class used by exploit chains
  {
    id: 1202,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    pattern:
      /\b(?:java\.lang\.(?:runtime|processbuilder|system|class|thread|reflect)|processbuilder|runtime\s{0,5}\.\s{0,5}getruntime|javax\.script|javax\.naming|java\.io\.(?:file|objectinputstream)|java\.net\.(?:url|socket)|java\.beans|org\.apache\.(?:commons\.collections|xalan|bcel)|com\.sun\.(?:rowset|org\.apache)|jdk\.jshell|clonetransformer|forclosure|instantiatefactory|instantiatetransformer|invokertransformer|prototypeclonefactory|prototypeserializationfactory|whileclosure|chainedtransformer|constanttransformer|lazymap|templatesimpl|jdbcrowsetimpl|\.getclass\(\)|classloader|getruntime|\.exec\s{0,5}\()/,
  },
  // class name of a gadget chain after a runtime prefix
  {
    id: 1203,
    plain: true,
    needs: ".",
    group: "java",
    paranoia: 2,
    score: 5,
    pattern:
      /\bruntime\s{0,5}\.\s{0,5}(?:clonetransformer|forclosure|instantiatefactory|instantiatetransformer|invokertransformer|prototypeclonefactory|prototypeserializationfactory|whileclosure|exec|getruntime)/,
  },
  // Java serialized object magic (raw or base64)
  {
    id: 1204,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    // The serialization stream magic is binary by definition: control characters are the point.
    // eslint-disable-next-line no-control-regex
    pattern: /(?:\xac\xed\x00\x05|^ro0ab|^aced0005|h4sia)/,
  },
  // Spring/OGNL/EL expression evaluation
  {
    id: 1205,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:#(?:_memberaccess|context|request|response|session|application|parameters|attr|this|root)\b|@java\.lang|new\s{1,5}java\.|class\.module\.classloader|class\.classloader|\.getdeclaredmethod|\.forname\s{0,5}\(|t\(java\.|#\{\s{0,5}['"]?[a-z]|\$\{\s{0,5}(?:\d|'|"|[a-z]{1,30}\s{0,5}\()|xwork\.|ognl)/,
  },
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
  // --- sqli ------------------------------------------------------------------------------
  // SQL grammar: quote break, boolean expression, stacked or UNION query
  { id: 1001, plain: true, group: "sqli", paranoia: 1, score: 5, detect: looksLikeSqlInjection, plainGate: PLAIN_SQL },
  // SQL catalog or system object
  {
    id: 1002,
    plain: true,
    group: "sqli",
    paranoia: 1,
    score: 5,
    pattern:
      /\b(?:information_schema|pg_catalog|pg_(?:shadow|user|database|proc|class|namespace|tables)|sqlite_(?:master|schema|temp_master)|mysql\.(?:user|db)|sys\.(?:objects|tables|columns|databases|sql_logins|user_\w{1,20}|dba_\w{1,20})|sysobjects|tempdb|msdb|syscolumns|sysdatabases|msysobjects|msysaccessobjects|all_tables|user_tables|dba_users|v\$version|msdasql|sqloledb|dbms_\w{1,30}|utl_(?:http|inaddr|file)|xp_cmdshell|sp_(?:executesql|oacreate|configure|password|makewebtask|addextendedproc))\b/,
  },
  // SQL fragment: comment after a quote, quote arithmetic, or a keyword tail
  {
    id: 1003,
    plain: true,
    group: "sqli",
    paranoia: 2,
    score: 5,
    on: ["path", "query", "cookie", "body", "name"],
    pattern:
      /(?:['"`]\s{0,5}(?:--|#|\/\*|;|\)|\|\||&&|[+-]\s{0,5}\w|=|<|>|\b(?:or|and|xor|not|is|like|rlike|regexp|in|between|having|union|div)\b)|\b(?:or|and)\s{1,5}['"\d]|\b(?:like|rlike|regexp)\s{0,5}['"`]|^\s{0,5}[)'"]|\)\s{0,5}(?:as|from|union|or|and)\s|\b(?:select|execute|exec)\s{0,5}\(|::\s{0,5}(?:int|text|bool|varchar)\b|\bprocedure\s{1,5}analyse|^\s{0,5}exec(?:ute)?\s{1,5}[a-z_@(]|\bnot\s{1,5}(?:between|in|like)\b|^\s{0,5}(?:xor|<=|>=|is\s{1,5}(?:not\s{1,5})?null|in\s{0,5}\(\s{0,5}\d|like|rlike|regexp|not\s{1,5}like|&&|\|\||>>|<<|<=>|!=)(?:\s|$))/,
  },
];
