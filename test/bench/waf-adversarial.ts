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
 * Units also aim at the engine's own shortcuts (what an attacker who read them would
 * send): a known command after every separator with a near-miss argument (`; id x`),
 * literals the SQL grammar must read five ways (`\'\"`), words the SQL tokenizer
 * knows (`or:`), tags with an attribute that no rule takes (`<q b=`), calls (`a(`).
 * And one more family, many distinct short fields (form and JSON, up to the 4,096
 * values a body may hold): no value repeats, so nothing judged once serves twice.
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
  "; id x",
  "|w a",
  "$(id ",
  "`id`x",
  "\\'\\\"a",
  "or:",
  "select a ",
  "<q b=",
  "a(",
  "x'--",
];
// What closes the units above, sent once after them.
const CLOSERS = " =>)(}]%;'\"`|&$\n";

/** Which of the three families of texts a text is. */
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

// The most values one body may hold (the engine's INSPECTION_LIMITS.values): more is refused unread.
const MAX_VALUES = 4096;

/**
 * Many distinct short fields: near-miss slices of the mix, each made unique by its
 * number, as many as fit in `cap` bytes (at most MAX_VALUES values, names counted).
 */
function fieldBodies(cap: number): AdversarialCase[] {
  const mix = adversarialTexts(cap)[0]?.text ?? "";
  const slice = (i: number): string => `${mix.slice((i * 7) % (mix.length - 16), ((i * 7) % (mix.length - 16)) + 12)}${i}`;
  let form = "";
  for (let i = 0; i < MAX_VALUES / 2; i++) {
    const field = `${i === 0 ? "" : "&"}f${i}=${encodeURIComponent(slice(i))}`;
    if (utf8Length(form + field) > cap) break;
    form += field;
  }
  const entries: string[] = [];
  for (let i = 0, size = 2; i < MAX_VALUES / 2; i++) {
    const entry = `${JSON.stringify(`f${i}`)}:${JSON.stringify(slice(i))}`;
    size += utf8Length(entry) + 1;
    if (size > cap) break;
    entries.push(entry);
  }
  // Short values one each: as many as the limit allows, each a near-miss of a different rule.
  let tiny = "";
  for (let i = 0; i < MAX_VALUES; i++) {
    const field = `${i === 0 ? "" : "&"}${encodeURIComponent(`${slice(i).slice(0, 3)}${i}`)}`;
    if (utf8Length(tiny + field) > cap) break;
    tiny += field;
  }
  // A JSON array holds the most values per byte (no names): each a near miss dense in trigger
  // characters, or a URL (what the location rules read whole), numbered so that none repeats.
  const array = (value: (i: number) => string): string => {
    const items: string[] = [];
    for (let i = 0, size = 2; i < MAX_VALUES; i++) {
      const item = JSON.stringify(value(i));
      size += utf8Length(item) + 1;
      if (size > cap) break;
      items.push(item);
    }
    return `[${items.join(",")}]`;
  };
  return [
    { label: "distinct near-miss fields, form", request: post("application/x-www-form-urlencoded", form) },
    { label: "distinct near-miss fields, JSON", request: post("application/json", `{${entries.join(",")}}`) },
    { label: "4,096 distinct tiny form fields", request: post("application/x-www-form-urlencoded", tiny) },
    {
      label: "4,096 distinct trigger-dense values, JSON array",
      request: post(
        "application/json",
        array((i) => `<a'$(\`;|{${i}`),
      ),
    },
    {
      label: "4,096 distinct URLs, JSON array",
      request: post(
        "application/json",
        array((i) => `http://a${i}`),
      ),
    },
  ];
}

const BUILT = new Map<number, AdversarialCase[]>();

/**
 * Every text as a JSON field, a form field and a raw XML body, each body at most
 * `cap` bytes (the WAF's inspection cap: a longer body is refused before the engine
 * runs), and the bodies of distinct short fields. What an attacker can make one
 * request cost.
 */
export function adversarialBodies(cap: number): AdversarialCase[] {
  // Built once per cap: the bench worker answers one body per call, and building all of them is most of a call.
  const built = BUILT.get(cap);
  if (built !== undefined) return built;
  const cases: AdversarialCase[] = fieldBodies(cap);
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
  BUILT.set(cap, cases);
  return cases;
}
