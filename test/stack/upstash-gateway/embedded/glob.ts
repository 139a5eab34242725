/**
 * Redis' glob patterns (KEYS, SCAN MATCH): `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and
 * backslash escapes, matched byte-wise. Patterns and subjects are latin1 strings
 * (one char per byte), so the regular expression works on raw bytes.
 */

const escapeRegex = (ch: string): string => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");

/** Compiles a Redis glob to an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? "";
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else if (ch === "\\" && i + 1 < pattern.length) source += escapeRegex(pattern[++i] ?? "");
    else if (ch === "[") {
      let j = i + 1;
      let negate = false;
      if (pattern[j] === "^") {
        negate = true;
        j++;
      }
      let set = "";
      for (; j < pattern.length && pattern[j] !== "]"; j++) {
        const c = pattern[j] ?? "";
        if (c === "\\" && j + 1 < pattern.length) set += escapeRegex(pattern[++j] ?? "");
        else if (pattern[j + 1] === "-" && j + 2 < pattern.length && pattern[j + 2] !== "]") {
          // Redis accepts reversed ranges ([z-a]); a regex does not, so order the ends.
          const [lo, hi] = [c, pattern[j + 2] ?? ""].sort();
          set += `${escapeRegex(lo ?? "")}-${escapeRegex(hi ?? "")}`;
          j += 2;
        } else set += escapeRegex(c);
      }
      // An unterminated class matches its characters literally up to the end, as in Redis.
      source += set.length === 0 ? (negate ? "[\\s\\S]" : "(?!)") : `[${negate ? "^" : ""}${set}]`;
      i = j;
    } else source += escapeRegex(ch);
  }
  return new RegExp(`^${source}$`);
}

/** A matcher for an optional pattern; no pattern matches everything. */
export function globMatcher(pattern: string | undefined): (subject: string) => boolean {
  if (pattern === undefined || pattern === "*") return () => true;
  const regex = globToRegExp(pattern);
  return (subject) => regex.test(subject);
}
