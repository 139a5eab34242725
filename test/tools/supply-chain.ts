/**
 * P20 (supply chain), as checks over the files that keep it: package.json, package-lock.json,
 * the CI script (.ci/run) and its audit step (.ci/audit). Pure: text or parsed JSON in, the
 * broken rules out (empty = kept); test/security/p20-supply-chain.node.test.ts runs them on
 * the repository and on broken copies.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An exact version: no range, tag, URL or alias (`1.2.3`, `1.2.3-rc.1`, `5.20261117.1`). */
const EXACT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** A dependency fetched from somewhere the lockfile's integrity and the registry do not pin. */
const OFF_REGISTRY = /^(?:git(?:\+\w+)?:|git@|github:|gitlab:|bitbucket:|gist:|file:|link:|https?:)|^[\w.-]+\/[\w.-]+(?:#.*)?$/;

/** The manifest's dependency maps, each entry an exact version of a registry package. */
const MANIFEST_MAPS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

function stringMap(value: unknown, where: string, problems: string[]): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.push(`${where} is not an object`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(value)) {
    if (typeof spec === "string") out[name] = spec;
    else problems.push(`${where}.${name} is not a string`);
  }
  return out;
}

/** package.json: every dependency pinned to one exact registry version. */
export function checkManifest(manifest: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(manifest)) return ["package.json is not an object"];
  for (const map of MANIFEST_MAPS) {
    for (const [name, spec] of Object.entries(stringMap(manifest[map], map, problems))) {
      if (OFF_REGISTRY.test(spec)) problems.push(`${map}.${name} "${spec}" is not from the registry`);
      else if (!EXACT.test(spec)) problems.push(`${map}.${name} "${spec}" is not an exact version`);
    }
  }
  return problems;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * package-lock.json: version 3, its root entry the manifest's dependencies exactly (a lockfile
 * out of step is one `npm ci` refuses, but say which), every package an exact version with an
 * SRI integrity digest, from the public registry (a `resolved` URL, when written, on
 * registry.npmjs.org), no links, and no dependency of any package fetched off the registry.
 */
export function checkLockfile(manifest: unknown, lock: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(manifest) || !isRecord(lock)) return ["package.json or package-lock.json is not an object"];
  if (lock.lockfileVersion !== 3) problems.push(`lockfileVersion is ${JSON.stringify(lock.lockfileVersion)}, not 3`);
  if (!isRecord(lock.packages)) return [...problems, "package-lock.json has no packages"];
  const root = lock.packages[""];
  if (!isRecord(root)) return [...problems, 'package-lock.json has no root entry ("")'];
  if (root.name !== manifest.name || root.version !== manifest.version)
    problems.push("the lockfile's root name or version is not package.json's");
  for (const map of MANIFEST_MAPS) {
    const want = stringMap(manifest[map], `package.json ${map}`, problems);
    const got = stringMap(root[map], `the lockfile's root ${map}`, problems);
    if (!sameMap(want, got))
      problems.push(`the lockfile's root ${map} differ from package.json's (run npm install and commit the lockfile)`);
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "") continue;
    if (!isRecord(entry)) {
      problems.push(`${path} is not an object`);
      continue;
    }
    if (!path.startsWith("node_modules/") || entry.link === true) problems.push(`${path} is a link or a workspace, not a registry package`);
    if (typeof entry.version !== "string" || !EXACT.test(entry.version)) problems.push(`${path} has no exact version`);
    if (typeof entry.integrity !== "string" || !/^sha512-[A-Za-z0-9+/]+=*$/.test(entry.integrity))
      problems.push(`${path} has no sha512 integrity`);
    if (entry.resolved !== undefined && (typeof entry.resolved !== "string" || !entry.resolved.startsWith("https://registry.npmjs.org/"))) {
      problems.push(`${path} is resolved off the registry (${JSON.stringify(entry.resolved)})`);
    }
    for (const map of ["dependencies", "optionalDependencies", "peerDependencies"]) {
      for (const [name, spec] of Object.entries(stringMap(entry[map], `${path} ${map}`, problems))) {
        if (OFF_REGISTRY.test(spec)) problems.push(`${path} depends on ${name} from "${spec}", off the registry`);
      }
    }
  }
  return problems;
}

/** The lines a shell runs, comments and blank lines dropped. */
const commands = (script: string): string[] =>
  script
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

/** Steps CI must run, in this order, each failing the run when it fails. */
export const CI_STEPS = ["npm ci", "bash .ci/audit", "npm run lint", "npm run typecheck"] as const;

/**
 * .ci/run: exits on the first failing command (`set -e`, with pipefail) and runs the install,
 * the audit, lint and typecheck as commands of their own, in that order, none of them
 * softened (`|| true`, `|| :`, `; true`, `&` in the background, `!` negated).
 */
export function checkCiScript(script: string): string[] {
  const problems: string[] = [];
  const lines = commands(script);
  const setLine = lines.find((line) => /^set\s+-[a-z]*e[a-z]*\b/.test(line));
  if (!setLine) problems.push("the CI script does not stop at the first failure (no `set -e`)");
  else if (!/\bpipefail\b/.test(setLine)) problems.push("the CI script does not fail on a failing pipe (no `-o pipefail`)");
  let last = -1;
  for (const step of CI_STEPS) {
    const at = lines.findIndex((line) => line === step || line.startsWith(`${step} `));
    if (at === -1) {
      problems.push(`the CI script does not run \`${step}\``);
      continue;
    }
    const line = lines[at] ?? "";
    if (/\|\||;\s*true\b|&\s*$|^!/.test(line) || /^\s*(?:if|while|until)\b/.test(line)) problems.push(`\`${line}\` cannot fail the CI run`);
    if (at < last) problems.push(`\`${step}\` runs out of order (expected: ${CI_STEPS.join(", ")})`);
    last = Math.max(last, at);
  }
  return problems;
}

/**
 * .ci/audit: runs `npm audit` over production dependencies only (`--omit=dev`) at level high
 * or stricter, and can exit 1. Its behaviour (fails on an advisory, passes when the service
 * cannot be reached) is tested by running it; this reads its policy.
 */
export function checkAuditScript(script: string): string[] {
  const problems: string[] = [];
  const audit = commands(script).find((line) => /\bnpm audit\b/.test(line));
  if (!audit) return ["the audit script does not run `npm audit`"];
  if (!/--omit[= ]dev\b/.test(audit)) problems.push("`npm audit` does not name the production dependencies (--omit=dev)");
  const level = /--audit-level[= ](\w+)/.exec(audit)?.[1];
  if (!level || !["info", "low", "moderate", "high"].includes(level)) {
    problems.push(`\`npm audit\` does not fail on high advisories (--audit-level=${level ?? "unset"})`);
  }
  if (/--(?:omit[= ]prod|production=false|dry-run)\b/.test(audit))
    problems.push("`npm audit` looks at something other than the production dependencies");
  if (!commands(script).some((line) => /^exit 1\b/.test(line))) problems.push("the audit script never exits 1");
  return problems;
}

/** package.json's lint and typecheck scripts do what their names say (prettier + eslint; tsc without emitting). */
export function checkQualityScripts(manifest: unknown): string[] {
  if (!isRecord(manifest) || !isRecord(manifest.scripts)) return ["package.json has no scripts"];
  const { lint, typecheck } = manifest.scripts;
  const problems: string[] = [];
  if (
    typeof lint !== "string" ||
    !/\beslint\b/.test(lint) ||
    !/\bprettier --check\b/.test(lint) ||
    /\|\||--max-warnings[= ]-1/.test(lint)
  ) {
    problems.push("`npm run lint` does not run eslint and prettier --check");
  }
  if (typeof typecheck !== "string" || !/\btsc --noEmit\b/.test(typecheck) || /\|\|/.test(typecheck)) {
    problems.push("`npm run typecheck` does not run tsc --noEmit");
  }
  return problems;
}
