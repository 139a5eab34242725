/**
 * Opens the embedded PGlite. A fresh in-memory PGlite runs initdb (~4–6 s), so the
 * first one is dumped to `<repo>/.data/pglite-snapshot.tar.gz` and later in-memory
 * starts load that (~1 s). A dataDir is created if missing and reused as it is.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const SNAPSHOT = join(repoRoot, ".data", "pglite-snapshot.tar.gz");
/** Holds the PGlite version the snapshot was made with: another version's data dir may not load. */
const SNAPSHOT_VERSION = `${SNAPSHOT}.version`;

export interface OpenedPglite {
  readonly db: PGlite;
  /** How it started, and how long that took (for the README's numbers and debugging). */
  readonly start: "data-dir" | "snapshot" | "cold";
  readonly ms: number;
}

async function pgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const pkg = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as { version?: unknown };
  return String(pkg.version);
}

async function readSnapshot(version: string): Promise<Buffer | undefined> {
  const [stored, tarball] = await Promise.all([
    readFile(SNAPSHOT_VERSION, "utf8").catch(missingAsUndefined),
    readFile(SNAPSHOT).catch(missingAsUndefined),
  ]);
  return stored?.trim() === version ? tarball : undefined;
}

function missingAsUndefined(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw err;
}

async function writeSnapshot(db: PGlite, version: string): Promise<void> {
  const dump = await db.dumpDataDir("gzip");
  await mkdir(dirname(SNAPSHOT), { recursive: true });
  // Write then rename, so a concurrent start (tests and `npm run dev`) never reads half a file.
  const tmp = `${SNAPSHOT}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
  await rename(tmp, SNAPSHOT);
  await writeFile(SNAPSHOT_VERSION, version);
}

/** Opens PGlite persisted in `dataDir`, or in memory from the cached snapshot. */
export async function openPglite(dataDir?: string): Promise<OpenedPglite> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  if (dataDir) {
    const dir = resolve(dataDir);
    await mkdir(dir, { recursive: true });
    const db = await PGlite.create({ dataDir: dir });
    return { db, start: "data-dir", ms: elapsed() };
  }
  const version = await pgliteVersion();
  const tarball = await readSnapshot(version);
  if (tarball) {
    try {
      const db = await PGlite.create({ loadDataDir: new Blob([new Uint8Array(tarball)]) });
      return { db, start: "snapshot", ms: elapsed() };
    } catch (err) {
      // A damaged snapshot is replaced by a cold start below, not left to fail every run.
      console.warn(
        `[neon-gateway] PGlite snapshot ${SNAPSHOT} did not load (${err instanceof Error ? err.message : String(err)}); rebuilding it`,
      );
      await rm(SNAPSHOT, { force: true });
    }
  }
  const db = await PGlite.create();
  const ms = elapsed();
  await writeSnapshot(db, version);
  return { db, start: "cold", ms };
}
