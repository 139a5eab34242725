/**
 * Headless Chromium for the Node-side tests (`*.node.test.ts`): a system Chromium
 * when one is installed, else the one shipped inside the `@sparticuz/chromium` npm
 * package (so `npm install` is all a machine needs), unpacked once per package
 * version into a private folder in the temporary folder. Nothing is downloaded.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, lstat, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser } from "playwright-core";

/** Which Chromium the tests use, and how it was found. */
export interface ChromiumChoice {
  /** `system`: an installed Chromium; `npm`: the binary shipped in `@sparticuz/chromium`. */
  readonly source: "system" | "npm";
  readonly executablePath: string;
  /** One line for the test log: where it came from, how long an unpack took, a CHROMIUM_PATH that was ignored. */
  readonly detail: string;
}

/**
 * Our own flags, not `@sparticuz/chromium`'s `args`: those are tuned for AWS Lambda.
 * `--single-process`, `--no-zygote` and `--in-process-gpu` save memory there (Chromium
 * does not support single-process for real use; it is crash-prone with several pages),
 * `--use-gl=angle --use-angle=swiftshader` render WebGL in software (these tests draw
 * none), and `--disable-web-security`, `--allow-running-insecure-content` and
 * `--disable-site-isolation-trials` switch off the very protections the tests judge:
 * the page's CSP must be checked by a browser that behaves like a user's. With the
 * flags below, the system Chromium and the npm one both run as a normal multi-process
 * headless browser.
 */
const FLAGS = [
  // The tests run as root, where Chromium refuses to start with its sandbox.
  "--no-sandbox",
  // No GPU here; software compositing needs neither a GPU process nor GL.
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  // Without these Chromium calls Google's hosts (component updates, sync, field trials):
  // on a closed network, lookups that only end in a timeout.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** System locations tried in order after CHROMIUM_PATH (Debian's `chromium`, Ubuntu's `chromium-browser`). */
const SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"] as const;

/** An unpack older than this whose folder is still `.partial-` was killed part way: removed. */
const STALE_PARTIAL_MS = 10 * 60_000;

/**
 * Run in a child Node with TMPDIR pointing at a fresh private folder: the package's
 * public `executablePath()` then unpacks everything it needs (the binary, the
 * SwiftShader libraries beside it, fonts) into that folder and nowhere else.
 */
const UNPACK_SCRIPT = "const { default: chromium } = await import(process.argv[1]); process.stdout.write(await chromium.executablePath());";

let choice: Promise<ChromiumChoice> | undefined;

/**
 * The Chromium the tests use: CHROMIUM_PATH when it is set and executable, else
 * `/usr/bin/chromium` or `/usr/bin/chromium-browser`, else the `@sparticuz/chromium`
 * binary (unpacked on first use). Found once per process; call it to log the choice.
 */
export function findChromium(): Promise<ChromiumChoice> {
  choice ??= pickChromium();
  return choice;
}

/** Launches headless Chromium (see findChromium for which one) with the flags above. */
export async function launchBrowser(): Promise<Browser> {
  const { executablePath } = await findChromium();
  return chromium.launch({ executablePath, headless: true, args: [...FLAGS] });
}

async function pickChromium(): Promise<ChromiumChoice> {
  const notes: string[] = [];
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return { source: "system", executablePath: fromEnv, detail: `CHROMIUM_PATH=${fromEnv}` };
    notes.push(`CHROMIUM_PATH=${fromEnv} is not an executable file, ignored`);
  }
  for (const path of SYSTEM_CHROMIUMS) {
    if (await isExecutable(path)) return { source: "system", executablePath: path, detail: [`system ${path}`, ...notes].join("; ") };
  }
  const npm = await npmChromium();
  return { source: "npm", executablePath: npm.executablePath, detail: [npm.detail, ...notes].join("; ") };
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    // Missing or not executable: simply not a candidate.
    () => false,
  );
}

/**
 * The `@sparticuz/chromium` binary, unpacked into `<tmp>/rampart-chromium-<version>-uid<uid>/`.
 *
 * Not the package's own unpack location: it writes straight to `<tmp>/chromium` and
 * treats the file as ready as soon as it exists, so a second test process starting
 * while the first is still writing gets a truncated binary (measured: ETXTBSY), an
 * interrupted unpack is reused forever, and another package version's binary is
 * taken as its own. Here each process unpacks into a folder of its own and renames
 * it into place when complete (atomic; the loser of a race drops its copy), so the
 * folder exists only whole.
 */
async function npmChromium(): Promise<{ executablePath: string; detail: string }> {
  const uid = process.getuid?.();
  if (process.platform !== "linux" || process.arch !== "x64" || uid === undefined) {
    throw new Error(
      `No system Chromium, and @sparticuz/chromium ships a Linux x64 binary only (this is ${process.platform}/${process.arch}): set CHROMIUM_PATH`,
    );
  }
  const entry = createRequire(import.meta.url).resolve("@sparticuz/chromium");
  const manifest = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as { name?: unknown; version?: unknown };
  if (manifest.name !== "@sparticuz/chromium" || typeof manifest.version !== "string") {
    throw new Error(`Unexpected @sparticuz/chromium layout: no package.json beside ${entry}`);
  }
  const base = `rampart-chromium-${manifest.version}-uid${uid}`;
  const home = join(tmpdir(), base);
  const executablePath = join(home, "chromium");

  await removeStalePartials(`${base}.partial-`);
  if (await isUnpacked(home, uid)) {
    return { executablePath, detail: `@sparticuz/chromium ${manifest.version}, unpacked earlier in ${home}` };
  }

  const started = performance.now();
  const staging = await mkdtemp(join(tmpdir(), `${base}.partial-`));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", UNPACK_SCRIPT, pathToFileURL(entry).href],
      {
        env: { ...process.env, TMPDIR: staging },
        timeout: 120_000,
      },
    );
    if (stdout !== join(staging, "chromium")) throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not into ${staging}`);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  const took = Math.round(performance.now() - started);
  try {
    await rename(staging, home);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // rename() does not replace a non-empty folder: another process finished first; use its copy.
    if ((errorCode(error) === "ENOTEMPTY" || errorCode(error) === "EEXIST") && (await isUnpacked(home, uid))) {
      return { executablePath, detail: `@sparticuz/chromium ${manifest.version}, unpacked by another process into ${home}` };
    }
    throw error;
  }
  return { executablePath, detail: `@sparticuz/chromium ${manifest.version}, unpacked into ${home} in ${took} ms` };
}

/**
 * Whether `home` holds a complete unpack. It only ever appears by a rename of a whole
 * unpack, so its presence is enough, provided it is ours: the temporary folder is
 * shared, and a folder another user could have placed or can write to is not run.
 */
async function isUnpacked(home: string, uid: number): Promise<boolean> {
  const stats = await lstat(home).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (!stats) return false;
  if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o077) !== 0) {
    throw new Error(`${home} is not a private folder of this user (mkdtemp makes them 0700): not running a browser from it; remove it`);
  }
  if (!(await isExecutable(join(home, "chromium"))))
    throw new Error(`${home} has no executable chromium: remove the folder to unpack again`);
  return true;
}

/** Removes this version's staging folders left by unpacks that were killed part way (each holds ~200 MB). */
async function removeStalePartials(prefix: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const path = join(tmpdir(), name);
    const stats = await lstat(path).catch((error: unknown) => {
      // Gone already: its process finished (renamed or removed it) between readdir and lstat.
      if (errorCode(error) === "ENOENT") return undefined;
      throw error;
    });
    if (stats && now - stats.mtimeMs > STALE_PARTIAL_MS) await rm(path, { recursive: true, force: true });
  }
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && "code" in error ? error.code : undefined;
}
