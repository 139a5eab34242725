/**
 * Where a value's text stands, for rules that judge a construct by its context
 * rather than by its words: a path, a URL or a command is an attack where it is
 * the whole value (a parameter a server may open, fetch or run) or where shell
 * or markup syntax puts it, not where a sentence mentions it. All scans here
 * are linear and allocate at most one trimmed copy of the value.
 */

/** The value without surrounding whitespace when it is one token (no whitespace inside), else `undefined`. */
export function wholeToken(value: string): string | undefined {
  const token = value.trim();
  if (token === "") return undefined;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 160) return undefined;
  }
  return token;
}

/**
 * A lookahead (regex source) for what follows a command word in a shell line:
 * a glob glued to it, the end, a separator or redirection, a quote or a group,
 * or an argument only a command line has (an option, a path, a variable, a
 * number, a drive, a URL, a file name or an assignment). English after a command-like word ("; set both", "; last report",
 * "; time to contain") has none of these.
 */
export const SHELL_ARGUMENT = String.raw`(?![\w./\\-])(?=[?*]|[ \t]{0,5}(?:$|[;|<>\x60()'"\r\n]|&&|-{1,2}[a-z0-9]|[/~$\\]|\.{1,2}\/|\d|[a-z]:[\\/]|[a-z]{2,10}:\/\/|[\w-]{1,60}[./=]\w))`;
