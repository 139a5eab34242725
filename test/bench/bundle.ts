/**
 * (d) The deploy bundle: `wrangler deploy --dry-run --minify`, the sizes wrangler
 * itself reports (what Cloudflare's limits count). Also guards the zod trims in
 * wrangler.toml [alias]: they match import specifiers, so a row fails if any
 * package other than zod imports an aliased path.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../stack/dev-server.ts";
import { buildWorker } from "./build.ts";
import type { Row } from "./table.ts";

const GOAL_GZIP_KIB = 400;

interface Metafile {
  inputs: Record<string, { imports: { path: string; original?: string }[] }>;
}

function aliasedSpecifiers(): string[] {
  const toml = readFileSync(join(repoRoot, "wrangler.toml"), "utf8");
  const section = toml.split(/^\[alias\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  return [...section.matchAll(/^"([^"]+)"\s*=/gm)].map((m) => m[1] ?? "");
}

/** Importers of an aliased specifier that are not zod's own files. */
function strayAliasImporters(meta: Metafile, specifiers: readonly string[]): string[] {
  return Object.entries(meta.inputs)
    .filter(
      ([file, input]) =>
        !file.includes("node_modules/zod/") && input.imports.some((i) => i.original !== undefined && specifiers.includes(i.original)),
    )
    .map(([file]) => file);
}

export function measureBundle(): Promise<Row[]> {
  const outdir = join(repoRoot, ".bench/dist");
  const metafile = join(repoRoot, ".bench/meta.json");
  const { output } = buildWorker({ outdir, metafile });
  const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (!sizes?.[1] || !sizes[2]) throw new Error(`wrangler did not report the bundle size:\n${output}`);
  const raw = Number(sizes[1]);
  const gzip = Number(sizes[2]);
  const stray = strayAliasImporters(JSON.parse(readFileSync(metafile, "utf8")) as Metafile, aliasedSpecifiers());
  if (stray.length > 0) console.error(`aliased zod paths imported outside zod by: ${stray.join(", ")}`);
  return Promise.resolve([
    { group: "bundle", name: "worker, minified", value: raw, unit: "KiB" },
    { group: "bundle", name: "worker, minified + gzip", value: gzip, unit: "KiB", goal: `≤ ${GOAL_GZIP_KIB}`, ok: gzip <= GOAL_GZIP_KIB },
    {
      group: "bundle",
      name: "aliased zod paths imported outside zod",
      value: stray.length,
      unit: "files",
      goal: "= 0",
      ok: stray.length === 0,
    },
  ]);
}
