/**
 * P19: security.txt (RFC 9116) from the deployment's config. Rendered once per
 * config. An `Expires` in the past makes the file invalid for readers, but it is
 * still served (a stale contact beats none) and a warning is logged once per
 * isolate and config so operators renew it.
 */
import type { Config } from "../../env";
import { log } from "../../lib/log";

const rendered = new WeakMap<Config, string>();
const warned = new WeakSet<Config>();

/** The file body: one field per line, CRLF-free values guaranteed by config validation. */
export function renderSecurityTxt(config: Config): string {
  const cached = rendered.get(config);
  if (cached !== undefined) return cached;
  const txt = config.securityTxt;
  const text = [
    ...txt.contacts.map((contact) => `Contact: ${contact}`),
    `Expires: ${txt.expires}`,
    `Policy: ${txt.policy}`,
    `Preferred-Languages: ${txt.preferredLanguages}`,
    `Canonical: ${txt.canonical}`,
    "",
  ].join("\n");
  rendered.set(config, text);
  return text;
}

/** Logs once if the configured expiry has passed. */
export function warnIfExpired(config: Config, now: number = Date.now()): void {
  if (now < config.securityTxt.expiresAtMs || warned.has(config)) return;
  warned.add(config);
  log.warn("security_txt_expired", {
    expires: config.securityTxt.expires,
    hint: "set SECURITY_TXT_EXPIRES to a future date (at most a year ahead)",
  });
}
