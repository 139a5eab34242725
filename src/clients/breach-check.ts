/**
 * P5: is a new password known to be breached? Asks the Have I Been Pwned range API
 * with k-anonymity: only the first 5 hex characters of the password's SHA-1 leave
 * the worker, with `Add-Padding: true` so the answer's size does not reveal the
 * prefix's popularity; the match happens here. When the API does not answer within
 * HIBP_TIMEOUT_MS (≤ 1 s), or answers an error, the bundled list of the 10,000 most
 * common passwords decides instead, and a warning is logged.
 */
import type { Config } from "../env";
import { log } from "../lib/log";
import { utf8 } from "../lib/encoding";
import { COMMON_PASSWORDS_FRONT_CODED } from "./common-passwords";

/** Which source decided. */
export interface BreachVerdict {
  readonly breached: boolean;
  readonly source: "hibp" | "common_list";
}

/**
 * The bundled list, decoded: each line of the generated file is one digit (how many leading
 * characters the password shares with the one before it in sorted order) and the rest.
 */
export function commonPasswordList(): string[] {
  const list: string[] = [];
  let previous = "";
  for (const line of COMMON_PASSWORDS_FRONT_CODED.split("\n")) {
    previous = previous.slice(0, Number(line[0])) + line.slice(1);
    list.push(previous);
  }
  return list;
}

let common: ReadonlySet<string> | undefined;

/** The bundled list as a set, built on first use (only when the API failed). */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(commonPasswordList());
  return common;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", utf8.encode(text)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex.toUpperCase();
}

/** Whether the range answer lists `suffix` with a count above zero (padding lines have count 0). */
function listed(body: string, suffix: string): boolean {
  for (const line of body.split("\n")) {
    const [candidate = "", count = "0"] = line.trim().split(":");
    if (candidate.toUpperCase() === suffix) return Number.parseInt(count, 10) > 0;
  }
  return false;
}

/**
 * Checks `password` (as the user typed it) against HIBP, or the bundled list.
 *
 * @example
 * ```ts
 * if ((await checkBreached(config, password)).breached) throw new AppError("breached_password");
 * ```
 */
export async function checkBreached(config: Config, password: string): Promise<BreachVerdict> {
  const { hibpUrl, hibpTimeoutMs } = config.identity.passwords;
  const hash = await sha1Hex(password);
  try {
    const response = await fetch(`${hibpUrl}/range/${hash.slice(0, 5)}`, {
      headers: { "Add-Padding": "true", "User-Agent": "rampart-breach-check" },
      signal: AbortSignal.timeout(hibpTimeoutMs),
    });
    if (response.ok) return { breached: listed(await response.text(), hash.slice(5)), source: "hibp" };
    log.warn("breach_api_unavailable", { status: response.status });
  } catch (error) {
    log.warn("breach_api_unavailable", { error });
  }
  const list = commonPasswords();
  return { breached: list.has(password) || list.has(password.toLowerCase()), source: "common_list" };
}
