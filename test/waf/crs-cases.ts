/**
 * The CRS regression corpus as WAF requests, completed the way CRS's test runner
 * completes them: a body without Content-Type is sent as
 * application/x-www-form-urlencoded (its bare `key=value` text kept, as CRS's
 * cases are already escaped where it matters) and every body, an empty POST's
 * too, is framed with a Content-Length;
 * `encoded_request` is the whole raw request (base64); `autocomplete_headers:
 * false` sends the case exactly as given. Pure: shared by the workerd test and
 * the benchmark.
 */
/** The engine's view of a request (structurally `WafRequest` of src/pipeline/waf; kept import-free so Node can load this file). */
export interface WafRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | undefined;
}

/** One case of `regression.json`. */
export interface CrsCase {
  readonly rule: number;
  readonly test: number;
  readonly category: string;
  readonly paranoia: number | null;
  readonly expect: "attack" | "benign";
  readonly method: string;
  readonly uri: string;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: string | null;
  readonly encoded_request: string | null;
  readonly autocomplete_headers?: boolean;
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).byteLength;

function fromRaw(encoded: string): WafRequest {
  const text = atob(encoded);
  const split = text.indexOf("\r\n\r\n") >= 0 ? text.indexOf("\r\n\r\n") : text.indexOf("\n\n");
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? "" : text.slice(split + (text.startsWith("\r\n", split) ? 4 : 2));
  const [requestLine = "", ...lines] = head.split(/\r?\n/);
  const [method = "GET", target = "/"] = requestLine.split(" ");
  const headers = lines.flatMap((line): [string, string][] => {
    const colon = line.indexOf(":");
    return colon < 0 ? [] : [[line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]];
  });
  return { method, target, headers, body };
}

/** The request CRS's runner would send for `c`. */
export function crsRequest(c: CrsCase): WafRequest {
  if (c.encoded_request) return fromRaw(c.encoded_request);
  const headers: [string, string][] = Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), String(v)]);
  const body = c.body ?? "";
  if (c.autocomplete_headers !== false) {
    if (body !== "" && !headers.some(([k]) => k === "content-type")) headers.push(["content-type", "application/x-www-form-urlencoded"]);
    // An HTTP client frames every body it sends, an empty POST included (`Content-Length: 0`).
    const framed = body !== "" || c.method === "POST" || c.method === "PUT" || c.method === "PATCH";
    if (framed && !headers.some(([k]) => k === "content-length" || k === "transfer-encoding"))
      headers.push(["content-length", String(utf8Length(body))]);
  }
  return { method: c.method, target: c.uri, headers, body: body === "" ? undefined : body };
}

/** One row of the replay table. */
export interface ReplayRow {
  readonly paranoia: number;
  readonly attacks: number;
  readonly detected: number;
  readonly detection: number;
  readonly benign: number;
  readonly blocked: number;
  readonly benignBlockRate: number;
}

/** Detection on attack cases with `paranoia <= level`, blocks on every benign case. */
export function replay(cases: readonly CrsCase[], level: number, blocks: (request: WafRequest) => boolean): ReplayRow {
  let attacks = 0,
    detected = 0,
    benign = 0,
    blocked = 0;
  for (const c of cases) {
    if (c.expect === "attack") {
      if ((c.paranoia ?? 1) > level) continue;
      attacks++;
      if (blocks(crsRequest(c))) detected++;
    } else {
      benign++;
      if (blocks(crsRequest(c))) blocked++;
    }
  }
  return { paranoia: level, attacks, detected, detection: detected / attacks, benign, blocked, benignBlockRate: blocked / benign };
}
