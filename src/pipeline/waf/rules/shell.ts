/**
 * Value rules for OS command injection (rce): a command where a shell would run
 * it (after a separator, a substitution or a redirection, or a whole command
 * line with arguments), shell evasion (quotes, globs, `$IFS`, brace expansion),
 * Windows cmd and PowerShell. Commands are known by name from one vocabulary
 * (Unix and Windows), matched as whole tokens. Patterns run on the normalised,
 * lower-cased value; each is linear (npm run redos).
 */
import type { ValueRule } from "../types";
import { SHELL_ARGUMENT } from "./context";
import { DOT_FILE, dotFile } from "./locations";
import { WordTable } from "./word-table";

// Unix and Windows commands that an injected shell line starts with. Matched as
// whole tokens (basename, `.exe` dropped) against this set, not as one long
// alternation: a set lookup cannot backtrack. The set is a word table (word-table.ts):
// the word after each separator of a long value is looked up in place, not copied.
const COMMANDS = new WordTable(
  [
    // Unix: shells, coreutils, admin and network tools, interpreters a one-liner runs through
    `ansible ansible-config ansible-galaxy ansible-playbook ansible-vault apt apt-get aptitude arp ash at awk aws az base32 base64 bash bg bsdtar busybox bzip2 cat cd chattr chef-client chef-vault cp chgrp chmod chown chpasswd chroot crontab csh curl dash dd dig dmesg dnf docker echo env eval exec export fg find gawk gcc gcloud gdb getent getfacl grep groupadd gunzip gzip head hexdump history hostname htop id ifconfig insmod ip iptables ipconfig irb java jobs jrunscript jshell kill killall knife ksh kubectl last lastlog less ln ls lsattr lsmod lsof ltrace lua luajit lwp-download make mawk mkdir mkfifo mknod modprobe more mount mv nano nawk nc nc.openbsd nc.traditional ncat netcat netstat nmap node nohup npm nproc nsenter nslookup nvim od openssl passwd perf perl php php-cgi pip pip3 pkill pgrep ping printenv printf ps psql pwd python python2 python2.7 python3 python3.10 python3.11 python3.12 pypy pypy3 rbash readlink redis-cli rlwrap rm rmdir rsync ruby scp screen sed service setfacl setsid sh shred sleep socat sqlite3 ss ssh ssh-keygen stdbuf strace su sudo sysctl systemctl tac tail tar tclsh tcpdump tcsh tee telnet tftp time timeout tmux top touch traceroute uname unset unshare unxz unzip uptime useradd usermod vi vim w wget who whoami xargs xxd xz xzcat yum zcat zgrep zip zless zsh zstd zstdcat`,
    // Windows: cmd built-ins, admin tools and the living-off-the-land binaries that fetch or run code
    `appvlp atbroker attrib bcdboot bcdedit bitsadmin cacls call certreq certutil cmd cmdkey cmstp conhost copy cscript csc del desktopimgdownldr diskpart diskshadow dir dnscmd esentutl extrac32 findstr forfiles ftp icacls ieexec iex infdefaultinstall installutil iwmi iwr jsc klist makecab mavinject md mmc mofcomp move msbuild msconfig msdt mshta msiexec msxsl net net1 netsh nltest odbcconf pcalua pnputil powershell presentationhost psexec pwsh qwinsta rd reg regasm regedit regini regsvcs regsvr32 ren robocopy rundll32 runas sc schtasks scriptrunner set shutdown start syncappvpublishingserver systeminfo takeown taskkill tasklist type vbc ver verclsid vol vssadmin wbadmin wevtutil winrm winrs wmic wscript wsl wusa xcopy xwizard`,
  ]
    .join(" ")
    .split(/\s+/),
);

/** True when `text[start, end)` names a command: its basename (after the last `/` or `\\`), `.exe` dropped, is one of COMMANDS. */
export function isCommandAt(text: string, start: number, end: number): boolean {
  let base = start;
  for (let k = end - 1; k >= start; k--) {
    const c = text.charCodeAt(k);
    if (c === 47 || c === 92) {
      base = k + 1;
      break;
    }
  }
  const stop = end - base >= 4 && text.startsWith(".exe", end - 4) ? end - 4 : end;
  return COMMANDS.has(text, base, stop);
}
export const isCommand = (token: string): boolean => isCommandAt(token, 0, token.length);

// The classes the patterns below read a command word with, per ASCII code: `[\w./\\-]` (a
// word), and JavaScript's `\s` (ASCII part; the rest is asked of the regex itself).
const RUN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) RUN_CHAR[c] = /[\w./\\-]/.test(String.fromCharCode(c)) ? 1 : 0;
const SPACE = /\s/;
const isRunChar = (c: number): boolean => c < 128 && RUN_CHAR[c] === 1;
/** JavaScript's `\s` at `k` (false past the end). */
function isRegexSpace(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return k < text.length && SPACE.test(text.charAt(k));
}

/**
 * Where a pattern's command word `[\w./\\-]{1,max}` starts when it follows up to
 * `prefix` characters of `[\s(]` (and `{` when `braces`) from `q`, as a regex would
 * read it there; -1 when no word can start there.
 */
function wordStart(text: string, q: number, prefix: number, braces: boolean): number {
  let k = q;
  while (k - q <= prefix && k < text.length) {
    const c = text.charCodeAt(k);
    if (c === 40 || (braces && c === 123) || isRegexSpace(text, k)) k++;
    else break;
  }
  return k - q > prefix || !isRunChar(text.charCodeAt(k)) ? -1 : k;
}

/** The end of the run of `[\w./\\-]` characters from `start`, read at most `max + 1` far. */
function runEnd(text: string, start: number, max: number): number {
  let k = start;
  while (k < text.length && k - start <= max && isRunChar(text.charCodeAt(k))) k++;
  return k;
}

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
    let skip = 0;
    while (skip < 3 && (inside.charCodeAt(skip) === 40 || isRegexSpace(inside, skip))) skip++;
    // A disguised command name (`u''n''a''m''e`) is no markdown code span. A plain word is not disguised.
    if (plainWordEnd(inside, skip) < 0) {
      const word = readWord(inside, skip);
      if (word.disguised && isCommand(word.text)) return true;
    }
    // The command `^[\s(]{0,3}([\w./\\-]{1,60})` reads, looked up in place.
    const start = wordStart(inside, 0, 3, false);
    if (start >= 0 && isCommandAt(inside, start, Math.min(runEnd(inside, start, 60), start + 60))) {
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

// Commands that run the command named after them (`nohup nc …`, `busybox wget …`, `env -i sh`):
// the word after one (options skipped) stands where a command stands.
const WRAPPERS: ReadonlySet<string> = new Set(
  "busybox toybox env nohup setsid sudo doas exec command builtin nice ionice stdbuf timeout time xargs chroot unbuffer rlwrap strace ltrace su".split(
    " ",
  ),
);
// Commands whose first argument is a sub-command word, not an option or a path: `net user`,
// `wmic process`, `getent passwd`, `reg query`. With one of these the word is a command line.
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  net: ["user", "users", "localgroup", "group", "share", "use", "view", "session", "start", "stop", "accounts", "config"],
  net1: ["user", "localgroup", "group", "share", "use", "view"],
  wmic: ["process", "os", "useraccount", "group", "service", "shadowcopy", "qfe", "nicconfig", "product", "computersystem", "startup"],
  getent: ["passwd", "shadow", "group", "hosts", "ahosts"],
  reg: ["query", "add", "delete", "save", "export", "import", "load"],
  sc: ["query", "queryex", "create", "config", "start", "stop", "delete", "qc"],
  netsh: ["advfirewall", "firewall", "interface", "wlan", "winhttp", "portproxy"],
  vssadmin: ["delete", "list", "create", "resize"],
  wevtutil: ["cl", "el", "qe", "gl"],
  ip: ["addr", "a", "route", "link", "neigh"],
};
// An argument only a command line passes, beyond SHELL_ARGUMENT's: a comment ending the value
// (what cuts off the rest of the line a server appends), a lone `.` or `..`, a socat address
// (`tcp:host:port`, `exec:sh`). "; top #1 risk" and "; time frame:2 weeks" are prose.
const MORE_ARGUMENT =
  /[ \t]{0,5}#[ \t]{0,5}$|[ \t]{1,5}\.{1,2}(?:[ \t;|&]|$)|[ \t]{1,5}(?:tcp|udp|exec|system|openssl|unix|file|open|pty)[\w-]{0,12}:[\w./]/y;
// After a lone `&`: an option, a path, a drive, a URL, a redirection or the end (SHELL_ARGUMENT without numbers and file names).
const STRONG_ARGUMENT_AT = /(?![\w./\\-])[ \t]{0,5}(?:$|[;|<>()'"\r\n]|&&|-{1,2}[a-z0-9]|[/~$\\]|\.{1,2}\/|[a-z]:[\\/]|[a-z]{2,10}:\/\/)/y;
const ARGUMENT_OR_MORE = new RegExp(`${SHELL_ARGUMENT}|${MORE_ARGUMENT.source}`, "y");
const STRONG_OR_MORE_ARGUMENT = new RegExp(`${STRONG_ARGUMENT_AT.source}|${MORE_ARGUMENT.source}`, "y");
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;
/**
 * `word` without what `^.*[/\\]` matches (what `replace` removes: up to the last `/` or `\\`
 * before any line terminator, which `.` does not cross), without a regex in the common case.
 */
const baseName = (word: string): string =>
  LINE_TERMINATOR.test(word) ? word.replace(/^.*[/\\]/, "") : word.slice(Math.max(word.lastIndexOf("/"), word.lastIndexOf("\\")) + 1);
// Two quoted parts in a row inside one word (`'w'h'o'`): quotes that split a word, not a quoted word.
const SPLIT_BY_QUOTES = /['"][^'"]{0,40}['"][^'"\s]{0,40}['"]/;
const isSpace = (c: string | undefined): boolean => c === " " || c === "\t";
const BREAKS = " \t\r\n;|&<>()`";
// Per ASCII code, what readWord does with a character: 1 copies it as it is, 2 ends the word
// there (BREAKS but the backtick, `{`, `}`, `,`), 0 may do more (quotes, escapes, expansions).
const WORD_PART = new Uint8Array(128).fill(1);
for (const c of " \t\r\n;|&<>(){},") WORD_PART[c.charCodeAt(0)] = 2;
for (const c of "'\"\\^`$") WORD_PART[c.charCodeAt(0)] = 0;

/**
 * The end of the shell word at `start` when readWord would copy it as it is (no quote,
 * escape or expansion in it, so not disguised), else -1: a word of a long value is then
 * looked up in place, without building its text.
 */
function plainWordEnd(value: string, start: number): number {
  const limit = Math.min(value.length, start + 80);
  for (let k = start; k < limit; k++) {
    const c = value.charCodeAt(k);
    const part = c < 128 ? WORD_PART[c] : 1;
    if (part === 2) return k;
    if (part !== 1) return -1;
  }
  return limit;
}

/** One shell word read as a shell reads it: quotes and escapes removed, `$IFS` a blank. */
interface ShellWord {
  /** The word without its quoting, lower case (the value is). */
  readonly text: string;
  /** Where the word ends in the value. */
  readonly end: number;
  /** True when quotes, escapes or empty expansions sit inside the word (`c''at`, `c\at`, `w$@hoami`). */
  readonly disguised: boolean;
}

/** The length of an expansion that expands to nothing or a blank at `i` (`$@`, `$*`, `${}`, `$IFS`, `${IFS}`), else 0. */
function emptyExpansion(value: string, i: number): number {
  if (value[i] !== "$") return 0;
  const next = value[i + 1];
  if (next === "@" || next === "*") return 2;
  if (value.startsWith("{}", i + 1)) return 3;
  if (value.startsWith("{ifs}", i + 1)) return 6;
  if (value.startsWith("ifs", i + 1) && !/[\w]/.test(value[i + 4] ?? "")) return 4;
  return 0;
}

/** The index of the quote closing the one at `open` within `max` characters, else -1 (a bounded look: linear overall). */
function closingQuoteWithin(value: string, open: number, max: number): number {
  const quote = value[open];
  for (let j = open + 1; j < value.length && j <= open + max; j++) if (value[j] === quote) return j;
  return -1;
}

/** Reads the shell word at `start` (at most 80 characters of it); a word of quotes alone reads as empty. */
function readWord(value: string, start: number): ShellWord {
  let text = "";
  let disguised = false;
  let quotedPart = false;
  let plainPart = false;
  let i = start;
  while (i < value.length && i - start < 80) {
    const c = value[i] ?? "";
    if (c === "'" || c === '"') {
      const close = closingQuoteWithin(value, i, 40);
      if (close < 0) break;
      text += value.slice(i + 1, close);
      quotedPart = true;
      i = close + 1;
      continue;
    }
    // Read as nothing before a letter inside a word: POSIX's `\\`, cmd's `^`, PowerShell's backtick
    // (a backtick opening the word is a substitution, rule 519's).
    const escape = c === "\\" || c === "^" || (c === "`" && /[a-z]/.test(value[i - 1] ?? "") && i > start);
    if (escape && /[a-z]/.test(value[i + 1] ?? "")) {
      disguised = true;
      i++;
      continue;
    }
    const blank = emptyExpansion(value, i);
    if (blank > 0) {
      // `$IFS` is a blank: it ends the word; `$@` and `${}` vanish inside it.
      if (value.startsWith("ifs", i + 1) || value.startsWith("{ifs", i + 1)) break;
      disguised = true;
      i += blank;
      continue;
    }
    if (BREAKS.includes(c) || c === "$" || c === "{" || c === "}" || c === ",") break;
    text += c;
    plainPart = true;
    i++;
  }
  // `c''at`, `"who"ami`, `w'h'o'am'i`: quotes that split a word; `"id"` alone is a quoted word.
  if (quotedPart && (plainPart || SPLIT_BY_QUOTES.test(value.slice(start, i)))) disguised = true;
  return { text, end: i, disguised };
}

/** The index of the next word after `i` past blanks and options (`-i`, `/c`, `-n 5`), at most a few of them. */
function skipOptions(value: string, i: number): number {
  let j = i;
  for (let count = 0; count < 4; count++) {
    while (isSpace(value[j])) j++;
    const c = value[j];
    if (c !== "-" && !(c !== undefined && /\d/.test(c))) break;
    // An option is short; the bound keeps a long run without blanks from being re-read at every separator.
    const end = j + 40;
    while (j < value.length && j < end && !isSpace(value[j]) && !BREAKS.includes(value[j] ?? "")) j++;
  }
  return j;
}

/**
 * True when what follows the command word ending at `end` is a command line's argument.
 * `loose`: after a lone `&`, which English uses between words ("Sales & type 2 accounts"),
 * a number or a file name is not enough; an option, a path, a drive or a URL is.
 */
function commandLineAfter(value: string, word: string, end: number, loose: boolean): boolean {
  // SHELL_ARGUMENT (or its strong form) or MORE_ARGUMENT at `end`: one sticky regex, both alternations.
  const argument = loose ? STRONG_OR_MORE_ARGUMENT : ARGUMENT_OR_MORE;
  argument.lastIndex = end;
  if (argument.test(value)) return true;
  const command = baseName(word);
  // Only a wrapper or a command with sub-commands reads the next word.
  if (!WRAPPERS.has(command) && SUBCOMMANDS[command] === undefined) return false;
  const next = readWord(value, skipOptions(value, end));
  if (next.text === "") return false;
  if (WRAPPERS.has(command) && isCommand(next.text)) return true;
  return SUBCOMMANDS[command]?.includes(next.text) === true;
}

/** True when a command starts at `i` (blanks, `(` and `{` skipped) as a shell would run it; `loose` as above. */
function commandAt(value: string, i: number, loose: boolean): boolean {
  let j = i;
  for (let c = value.charCodeAt(j); c === 32 || c === 9 || c === 40 || c === 123; c = value.charCodeAt(j)) j++;
  const end = plainWordEnd(value, j);
  if (end >= 0) {
    // Most words after a separator: plain, looked up in place, copied only when they name a command.
    if (end === j || !isCommandAt(value, j, end)) return false;
    return commandLineAfter(value, value.slice(j, end), end, loose);
  }
  const word = readWord(value, j);
  if (word.text === "" || !isCommand(word.text)) return false;
  // A disguised command name is never prose: nobody writes `c''at` or `who\ami` in a sentence.
  return word.disguised || commandLineAfter(value, word.text, word.end, loose);
}

/**
 * Where a shell starts a new command: after `;`, `|`, `||`, `&`, `&&`, a line break,
 * `$(`, `<(` or `>(` (a backtick span is rule 519's: markdown writes code that way); each
 * such position is read once, as one shell word.
 */
function shellCommand(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let next = -1;
    if (c === 59 || c === 10 || c === 13) next = i + 1;
    else if (c === 124 || c === 38) next = value.charCodeAt(i + 1) === c ? i + 2 : i + 1;
    else if ((c === 36 || c === 60 || c === 62) && value.charCodeAt(i + 1) === 40) next = i + 2;
    if (next < 0) continue;
    if (commandAt(value, next, c === 38 && next === i + 1)) return true;
    i = next - 1;
  }
  return false;
}

// Rule 501's pattern, and 502's: run (sticky) only where the word they capture names a command.
export const SEPARATED_COMMAND = new RegExp(String.raw`(?:[;|\n\r]|&&|\$\(|^&|<\(|>\()[\s{(]{0,5}([\w./\\-]{1,60})${SHELL_ARGUMENT}`, "y");
export const SUBSTITUTED_COMMAND = /\$\([\s(]{0,3}([\w./\\-]{1,60})/y;

/**
 * Rule 501: a match of SEPARATED_COMMAND whose word is a command, as the rule's global
 * walk of the pattern with `accept: isCommand` found it. Every match starts at a separator
 * and captures the whole run of word characters after up to five of `[\s{(]`; a match
 * the walk skips (inside an earlier one: only a line break among those five can start
 * one) captures the same word. So the separator, the blanks and the word are read here
 * as the pattern reads them, the word is looked up in a table, and only after a command
 * does the rest of the pattern (SHELL_ARGUMENT's lookaheads) run, not at each of a long
 * value's separators. SEPARATED_COMMAND is the pattern whole, for the ReDoS check.
 */
function separatedCommand(value: string): boolean {
  for (let p = 0; p < value.length; p++) {
    const c = value.charCodeAt(p);
    let q: number;
    if (c === 59 || c === 124 || c === 10 || c === 13) q = p + 1;
    else if (c === 38 && value.charCodeAt(p + 1) === 38) q = p + 2;
    else if (c === 38 && p === 0) q = 1;
    else if ((c === 36 || c === 60 || c === 62) && value.charCodeAt(p + 1) === 40) q = p + 2;
    else continue;
    const start = wordStart(value, q, 5, true);
    if (start < 0) continue;
    const end = runEnd(value, start, 60);
    // Longer than 60: the pattern's `(?![\w./\\-])` fails at every length.
    if (end - start > 60 || !isCommandAt(value, start, end)) continue;
    // What is left of the pattern: SHELL_ARGUMENT's lookaheads after the word.
    ARGUMENT_AT.lastIndex = end;
    if (ARGUMENT_AT.test(value)) return true;
  }
  return false;
}

/**
 * Rule 502: `$(` then up to three of `[\s(]` and a command word (the first 60 word
 * characters), as the global walk with `accept: isCommand` found it (no match can
 * start inside another: `$` is in neither class).
 */
function substitutedCommand(value: string): boolean {
  for (let p = value.indexOf("$("); p >= 0; p = value.indexOf("$(", p + 1)) {
    const start = wordStart(value, p + 2, 3, false);
    if (start < 0 || !isCommandAt(value, start, Math.min(runEnd(value, start, 60), start + 60))) continue;
    SUBSTITUTED_COMMAND.lastIndex = p;
    if (SUBSTITUTED_COMMAND.test(value)) return true;
  }
  return false;
}

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const SHELL_PATTERNS: readonly RegExp[] = [
  CODE_SPAN_BEFORE,
  CODE_SPAN_AFTER,
  BIN_PROGRAM,
  ARGUMENT_AT,
  SHELL_VARIABLE,
  MORE_ARGUMENT,
  STRONG_ARGUMENT_AT,
  SPLIT_BY_QUOTES,
  ARGUMENT_OR_MORE,
  STRONG_OR_MORE_ARGUMENT,
  SEPARATED_COMMAND,
  SUBSTITUTED_COMMAND,
];

export const shellRules: readonly ValueRule[] = [
  // command after a shell separator, followed by what a command line has there (the end, an option,
  // a path, a redirection...): "; set both", "; last report on…" are English after a semicolon
  { id: 501, needs: ";|\n&$<>", group: "rce", paranoia: 1, score: 5, detect: separatedCommand, workPer: ";|\n&$<>" },
  // a command read as a shell reads it, after a separator (`;`, `|`, `&`, `&&`, a line break) or
  // inside a substitution: quotes, escapes and empty expansions removed (`c''at`, `"who"ami`, `c\at`),
  // with a command line's arguments, a wrapped command (`nohup nc …`) or a sub-command (`net user`)
  { id: 530, needs: ";|&\n$<>", group: "rce", paranoia: 1, score: 5, detect: shellCommand, workPer: ";|&\n$<>" },
  // command substitution running a command: `$(cmd`, or a backtick span a shell would run
  { id: 502, needs: "$", group: "rce", paranoia: 1, score: 5, detect: substitutedCommand, workPer: "$" },
  { id: 519, needs: "`", group: "rce", paranoia: 1, score: 5, detect: backtickCommand, workPer: "`" },
  // a value that is a command line with options or paths (a `$` argument only as a command line
  // has one: `$(…)`, `$IFS`, `$HOME/…` or a variable ending the line; "Set ${HOME} in the template" is prose)
  {
    id: 503,
    plain: true,
    group: "rce",
    paranoia: 1,
    score: 5,
    accept: isCommand,
    pattern:
      /^\s{0,3}(?:['"]\s{0,3})?([\w./\\-]{1,60})[ \t]{1,5}(?:-{1,2}[a-z]|\/[a-z]|[a-z]:[\\/]|[a-z]{1,20}=[/~.$'"]|[\w.-]{0,60}[ \t]{0,3}(?:[|;<>]|&&)|\$(?:\(|\{?ifs|[\w{}]{1,40}(?:$|[/:;|&]))|"|%)/g,
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
];
