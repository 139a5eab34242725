/**
 * Backups (P15): the keys the daily exports are sealed under. BACKUP_ENCRYPTION_KEYS is
 * `v2:<base64 32 bytes>,v1:<…>`, newest first, like DATA_ENCRYPTION_KEYS but never the
 * same material: a leaked data key opens no backup and the reverse. The newest seals new
 * exports; every listed key opens what it sealed, so a key rotates by putting a new one
 * first and removing the old one once the last export sealed with it is past retention
 * (30 days; README "Backups").
 */
import { z } from "zod";
import { fromBase64 } from "../lib/encoding";
import { secret } from "./rules";

/** The backup bindings (a secret). */
export const BACKUP_BINDINGS = ["BACKUP_ENCRYPTION_KEYS"] as const;

/** One backup key: its version (`v<n>`) and its 32 raw bytes. */
export interface BackupKey {
  readonly version: string;
  readonly raw: Uint8Array;
}

const VERSION = /^v\d{1,4}$/;

/** The entries of a BACKUP_ENCRYPTION_KEYS value, or undefined when one is malformed or versions repeat. */
export function parseBackupKeys(value: string): readonly BackupKey[] | undefined {
  const keys: BackupKey[] = [];
  for (const entry of value.split(",")) {
    const [version = "", material = ""] = entry.trim().split(":", 2);
    const raw = fromBase64(material);
    if (!VERSION.test(version) || raw?.byteLength !== 32 || keys.some((k) => k.version === version)) return undefined;
    keys.push({ version, raw });
  }
  return keys;
}

/** The zod shape of the backup bindings, merged into the configuration's schema. */
export const backupsShape = {
  BACKUP_ENCRYPTION_KEYS: secret(1).transform((value, ctx) => {
    const keys = parseBackupKeys(value);
    if (keys === undefined) {
      ctx.addIssue({ code: "custom", message: "each entry is v<n>:<base64 of 32 bytes>, versions unique, newest first" });
      return z.NEVER;
    }
    return keys;
  }),
} as const;
