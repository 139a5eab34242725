/**
 * (d) The deploy bundle: `wrangler deploy --dry-run --minify`, the sizes wrangler
 * itself reports (what Cloudflare's limits count). Also guards the trims in
 * wrangler.toml [alias]: they match import specifiers, so a row fails if an
 * aliased specifier is imported by anything but the one importer it was written
 * for (zod its locales and compiler, resend postal-mime, our webhook module the
 * stripe SDK's files), or if an alias has no such owner here. And reads what
 * start-up evaluates: the files reachable from src/index.ts by static imports (a
 * dynamic `import()` is evaluated when called), which must hold no package but hono:
 * zod, drizzle and the rest load with the first request that needs them
 * (README "Start-up"), and a static import that pulls one back is named here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../stack/dev-server.ts";
import { buildWorker } from "./build.ts";
import type { Row } from "./table.ts";

const GOAL_GZIP_KIB = 400;

interface Metafile {
  inputs: Record<string, { bytes: number; imports: { path: string; kind: string; original?: string }[] }>;
}

/** Packages start-up may evaluate: the router the shell is built on. */
const STARTUP_PACKAGES: ReadonlySet<string> = new Set(["hono"]);

/** The inputs evaluated at start-up: reachable from the entry through static imports and requires. */
function evaluatedAtStartup(meta: Metafile, entry = "src/index.ts"): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  for (let file = stack.pop(); file !== undefined; file = stack.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of meta.inputs[file]?.imports ?? []) if (i.kind !== "dynamic-import" && i.path in meta.inputs) stack.push(i.path);
  }
  if (!seen.has(entry) || !(entry in meta.inputs)) throw new Error(`bundle: ${entry} is not in the metafile`);
  return [...seen];
}

/** The npm package an input belongs to (`node_modules/@scope/name/…` → `@scope/name`), or undefined for own source. */
function packageOf(file: string): string | undefined {
  const rest = file.split("node_modules/").at(-1);
  if (rest === undefined || rest === file) return undefined;
  const parts = rest.split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function aliasedSpecifiers(): string[] {
  const toml = readFileSync(join(repoRoot, "wrangler.toml"), "utf8");
  const section = toml.split(/^\[alias\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  return [...section.matchAll(/^"([^"]+)"\s*=/gm)].map((m) => m[1] ?? "");
}

/** The one importer each aliased specifier was written for (a path prefix in the metafile). */
const ALIAS_OWNERS: readonly { readonly specifier: RegExp; readonly importer: string }[] = [
  { specifier: /^\.\.?\//, importer: "node_modules/zod/" },
  { specifier: /^postal-mime$/, importer: "node_modules/resend/" },
  { specifier: /^stripe\/esm\//, importer: "src/clients/stripe-webhooks.ts" },
];

/** Importers of an aliased specifier other than its owner (and aliases without an owner). */
function strayAliasImporters(meta: Metafile, specifiers: readonly string[]): string[] {
  const ownerOf = (specifier: string): string | undefined => ALIAS_OWNERS.find((o) => o.specifier.test(specifier))?.importer;
  const unowned = specifiers.filter((s) => ownerOf(s) === undefined).map((s) => `alias "${s}" (no owner)`);
  const stray = Object.entries(meta.inputs)
    .filter(([file, input]) =>
      input.imports.some((i) => {
        if (i.original === undefined || !specifiers.includes(i.original)) return false;
        const owner = ownerOf(i.original);
        return owner !== undefined && !file.includes(owner);
      }),
    )
    .map(([file]) => file);
  return [...unowned, ...stray];
}

export function measureBundle(): Promise<Row[]> {
  const outdir = join(repoRoot, ".bench/dist");
  const metafile = join(repoRoot, ".bench/meta.json");
  const { output } = buildWorker({ outdir, metafile });
  const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (!sizes?.[1] || !sizes[2]) throw new Error(`wrangler did not report the bundle size:\n${output}`);
  const raw = Number(sizes[1]);
  const gzip = Number(sizes[2]);
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as Metafile;
  const stray = strayAliasImporters(meta, aliasedSpecifiers());
  if (stray.length > 0) console.error(`aliased specifiers imported outside their owner: ${stray.join(", ")}`);
  const atStartup = evaluatedAtStartup(meta);
  const startupKiB = atStartup.reduce((sum, file) => sum + (meta.inputs[file]?.bytes ?? 0), 0) / 1024;
  const packages = [...new Set(atStartup.flatMap((file) => packageOf(file) ?? []))];
  const extra = packages.filter((p) => !STARTUP_PACKAGES.has(p));
  if (extra.length > 0) console.error(`packages evaluated at start-up besides ${[...STARTUP_PACKAGES].join(", ")}: ${extra.join(", ")}`);
  return Promise.resolve([
    { group: "bundle", name: "worker, minified", value: raw, unit: "KiB" },
    { group: "bundle", name: "worker, minified + gzip", value: gzip, unit: "KiB", goal: `≤ ${GOAL_GZIP_KIB}`, ok: gzip <= GOAL_GZIP_KIB },
    {
      group: "bundle",
      name: "aliased specifiers imported outside their owner",
      value: stray.length,
      unit: "files",
      goal: "= 0",
      ok: stray.length === 0,
    },
    {
      group: "bundle",
      name: `evaluated at start-up: ${atStartup.filter((f) => packageOf(f) === undefined).length} source files + ${packages.join(", ") || "no package"}, unminified`,
      value: Math.round(startupKiB),
      unit: "KiB",
    },
    {
      group: "bundle",
      name: `packages evaluated at start-up besides ${[...STARTUP_PACKAGES].join(", ")}`,
      value: extra.length,
      unit: "packages",
      goal: "= 0",
      ok: extra.length === 0,
    },
  ]);
}
