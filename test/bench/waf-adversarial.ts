/**
 * Adversarial WAF inputs, shared by the Node bench (waf.ts: the 128 KiB / 1 MiB
 * linearity rows) and the bench worker (`GET /waf-adversarial`: the CPU of one body
 * at the inspection cap, timed in workerd). Import-free, so both can load it.
 *
 * Three families, each built from the rules' grammar (no corpus payload):
 * - the near-miss mix: prefixes of what rules look for, each cut short by an `x`;
 * - long runs of one character each rule pattern repeats;
 * - near-miss units repeated, followed ONCE by the characters that close them
 *   (`)`, `>`, `=`, `}`, quotes, separators): every rule whose trigger or required
 *   character appears somewhere must run, and a bounded quantifier (`{0,200}`) that
 *   starts at every unit reads far before it fails. This is what an attacker who
 *   wants CPU, not a bypass, would send.
 */

/** The engine's view of a request (structurally `WafRequest`). */
export interface AdversarialRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

/** One labelled body, for the worst-case row. */
export interface AdversarialCase {
  readonly label: string;
  readonly request: AdversarialRequest;
}

const NEAR_MISSES = [
  "<",
  "<a",
  "< /",
  "'",
  "' o",
  "1 or",
  "1=",
  "$(",
  "`",
  "{{",
  "${",
  "//",
  "%",
  "%2",
  "..",
  "../.",
  "\\",
  "select ",
  "union ",
  " on",
  "=",
  ";",
  "|",
  "&&",
  "((",
  "[[",
  "\r\n",
  "http:/",
  "javascript",
  "__proto",
  "jndi",
  "eval ",
  "system ",
  "cat",
  "etc/",
  "0x",
  "@@",
  "/*",
  "--",
  "#",
  "<?",
  "<%",
  "while (",
  "for ",
  "if ",
  "%a",
  "a.constructor",
  "runtime",
  "sess_",
  "::",
  '"',
  "@{[",
  "{,",
  "&#",
  "\\u00",
  '<a b="',
  '="',
];

// prettier-ignore
const RUN_CHARACTERS = ["<", "'", '"', "`", "$", "(", "{", "[", "%", "\\", "/", ".", "-", "_", " ", "a", "0", ";", "|", "&", "=", ":", "@", "#", "\n", "!", "~", "^", "*", "?", ",", "+", ">"];

// Units an unbounded-looking but bounded pattern restarts at: a name before `(`, a tag
// before `=` and `>`, an opened template, a separator before a program name, a scheme.
const UNITS = [
  "a",
  "a ",
  "<a ",
  "<a b ",
  "#{a",
  "${a",
  "{{a",
  "$(a",
  "x;",
  "a b;",
  "a:",
  "http://a",
  ")(a",
  "(a",
  "[]+",
  "<%a",
  "'\"a",
  'a="b ',
  "<!-a",
  "{a,b",
  "%ab",
  "`a b",
  "\na b ",
  "a=",
  "' a",
  "1 or ",
];
// What closes the units above, sent once after them.
const CLOSERS = " =>)(}]%;'\"`|&$\n";

/** Which of the three families a text is. */
export type AdversarialFamily = "mix" | "run" | "unit";

/** The three families at `size` characters each (before any encoding). */
export function adversarialTexts(size: number): { readonly label: string; readonly family: AdversarialFamily; readonly text: string }[] {
  let mix = "";
  for (let i = 0; mix.length < size; i++) mix += `${NEAR_MISSES[i % NEAR_MISSES.length] ?? ""}x`;
  const runs = RUN_CHARACTERS.map((c) => ({ label: `run of ${JSON.stringify(c)}`, family: "run" as const, text: c.repeat(size) }));
  const units = UNITS.map((unit) => {
    const body = unit.repeat(Math.floor((size - CLOSERS.length) / unit.length));
    return { label: `${JSON.stringify(unit)} repeated, then closers`, family: "unit" as const, text: body + CLOSERS };
  });
  return [{ label: "near-miss mix", family: "mix", text: mix.slice(0, size) }, ...runs, ...units];
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).byteLength;

const post = (contentType: string, body: string): AdversarialRequest => ({
  method: "POST",
  target: "/v1/x",
  headers: [
    ["host", "a"],
    ["content-type", contentType],
  ],
  body,
});

/** The body `wrap(text)` cut (from the text's end) until it is at most `cap` bytes. */
function fitted(text: string, cap: number, wrap: (t: string) => string): string {
  let t = text;
  for (let body = wrap(t); ; body = wrap(t)) {
    const excess = utf8Length(body) - cap;
    if (excess <= 0) return body;
    t = t.slice(0, t.length - excess);
  }
}

/**
 * Every text as a JSON field, a form field and a raw XML body, each body at most
 * `cap` bytes (the WAF's inspection cap: a longer body is refused before the engine
 * runs). What an attacker can make one request cost.
 */
export function adversarialBodies(cap: number): AdversarialCase[] {
  const cases: AdversarialCase[] = [];
  for (const { label, text } of adversarialTexts(cap)) {
    cases.push(
      {
        label: `${label}, JSON`,
        request: post(
          "application/json",
          fitted(text, cap, (t) => JSON.stringify({ description: t })),
        ),
      },
      {
        label: `${label}, form`,
        request: post(
          "application/x-www-form-urlencoded",
          fitted(text, cap, (t) => `notes=${t}`),
        ),
      },
      {
        label: `${label}, XML`,
        request: post(
          "text/xml",
          fitted(text, cap, (t) => t),
        ),
      },
    );
  }
  return cases;
}
