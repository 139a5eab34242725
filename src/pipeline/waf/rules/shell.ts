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

// Unix and Windows commands that an injected shell line starts with. Matched as
// whole tokens (basename, `.exe` dropped) against this set, not as one long
// alternation: a set lookup cannot backtrack.
export const isCommand = (token: string): boolean => {
  const slash = Math.max(token.lastIndexOf("/"), token.lastIndexOf("\\"));
  const base = slash < 0 ? token : token.slice(slash + 1);
  return COMMANDS.has(base.endsWith(".exe") ? base.slice(0, -4) : base);
};
const COMMANDS: ReadonlySet<string> = new Set(
  `ansible ansible-config ansible-galaxy ansible-playbook ansible-vault apt apt-get aptitude at attrib awk aws az base64 bash bcdboot bcdedit bg bitsadmin bsdtar busybox bzip2 cacls call cat cd certutil chef-client chef-vault chmod chown cmd copy cp crontab cscript csh curl dash dd del dig dir diskpart dnf docker echo env eval exec export fg find findstr forfiles ftp gawk gcc gcloud grep gunzip gzip head history hostname htop icacls id iex ifconfig ip ipconfig iwmi iwr java jobs jrunscript kill knife ksh kubectl last lastlog less ls lsof lua make md mkfifo mknod more mount move mshta msiexec mv nano nc ncat net netcat netstat nltest nmap node nohup npm nslookup od openssl passwd perf perl php ping pip pkill powershell printenv printf ps pwd pwsh python python2 python3 python3.10 python3.11 python3.12 rd reg regsvr32 ren rm ruby runas rundll32 sc schtasks scp screen sed service set sh shutdown sleep socat ss ssh start su sudo systemctl systeminfo tac tail tar taskkill tasklist tee telnet tftp time timeout tmux top touch type uname unxz unzip uptime useradd ver vi vim vol w wget who whoami wmic wscript xargs xxd xz xzcat yum zcat zgrep zip zless zsh zstd zstdcat`.split(
    /\s+/,
  ),
);

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
export const SHELL_PATTERNS: readonly RegExp[] = [CODE_SPAN_BEFORE, CODE_SPAN_AFTER, BIN_PROGRAM, ARGUMENT_AT, SHELL_VARIABLE];

export const shellRules: readonly ValueRule[] = [
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
];
