/**
 * P20 supply chain: dependencies pinned by the lockfile; CI fails on known high/critical
 * advisories in production dependencies (when the audit service is reachable), on type errors
 * and on lint errors. The checks (test/tools/supply-chain.ts) run on the repository's own
 * package.json, package-lock.json, .ci/run and .ci/audit, and refuse broken copies: ranges,
 * off-registry sources, a lockfile out of step, a package without its digest, a CI script that
 * skips or softens a step. .ci/audit itself is run against a stand-in `npm` answering as the
 * registry's audit service does (clean, an advisory, unreachable).
 */
import { spawnSync } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAuditScript, checkCiScript, checkLockfile, checkManifest, checkQualityScripts } from "../tools/supply-chain.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const readText = (path: string) => readFile(join(repo, path), "utf8");
const readJson = async (path: string): Promise<Record<string, unknown>> => JSON.parse(await readText(path)) as Record<string, unknown>;

interface Manifest extends Record<string, unknown> {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface Lock extends Record<string, unknown> {
  packages: Record<string, Record<string, unknown>>;
}

let manifest: Manifest;
let lock: Lock;
let ciRun: string;
let ciAudit: string;
beforeAll(async () => {
  manifest = (await readJson("package.json")) as Manifest;
  lock = (await readJson("package-lock.json")) as Lock;
  ciRun = await readText(".ci/run");
  ciAudit = await readText(".ci/audit");
});

/** A deep copy to break. */
const copy = <T>(value: T): T => structuredClone(value);
/** The first production dependency's name, to break its entries. */
const firstDependency = () => Object.keys(manifest.dependencies)[0]!;

describe("P20 the repository's dependencies are pinned", () => {
  it("P20: package.json names every dependency and devDependency by one exact registry version", () => {
    expect(Object.keys(manifest.dependencies).length).toBeGreaterThan(5);
    expect(Object.keys(manifest.devDependencies).length).toBeGreaterThan(5);
    expect(checkManifest(manifest)).toEqual([]);
  });

  it("P20: package-lock.json (version 3) matches package.json, every package an exact version with a sha512 digest, from the registry", () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages[""]?.dependencies).toEqual(manifest.dependencies);
    expect(lock.packages[""]?.devDependencies).toEqual(manifest.devDependencies);
    expect(Object.keys(lock.packages).length).toBeGreaterThan(100);
    expect(checkLockfile(manifest, lock)).toEqual([]);
  });

  it("P20: what npm installed is what the lockfile pins (every direct dependency's installed version)", async () => {
    for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]) {
      const installed = (await readJson(`node_modules/${name}/package.json`)).version;
      expect({ name, installed }).toEqual({ name, installed: lock.packages[`node_modules/${name}`]?.version });
    }
  });
});

describe("P20 (refuses) dependencies that are not pinned", () => {
  it.each([
    ["a caret range", "^1.2.3", /is not an exact version/],
    ["a tilde range", "~1.2.3", /is not an exact version/],
    ["a comparison", ">=1.2.3", /is not an exact version/],
    ["any version", "*", /is not an exact version/],
    ["a tag", "latest", /is not an exact version/],
    ["an x-range", "1.2.x", /is not an exact version/],
    ["a git URL", "git+https://github.com/x/y.git#abc", /is not from the registry/],
    ["a GitHub shorthand", "someone/some-fork", /is not from the registry/],
    ["a github: source", "github:someone/some-fork#main", /is not from the registry/],
    ["a tarball URL", "https://example.com/x-1.2.3.tgz", /is not from the registry/],
    ["a local path", "file:../x", /is not from the registry/],
  ])("P20 (refuses): a dependency given as %s in package.json", (_, spec, message) => {
    for (const map of ["dependencies", "devDependencies"] as const) {
      const broken = copy(manifest);
      broken[map] = { ...broken[map], "some-package": spec };
      expect(checkManifest(broken)).toEqual([expect.stringMatching(message) as unknown]);
    }
  });

  it("P20 (refuses): a lockfile out of step with package.json (a version bumped, a dependency added, a devDependency removed)", () => {
    const bumped = copy(manifest);
    bumped.dependencies[firstDependency()] = "999.0.0";
    expect(checkLockfile(bumped, lock)).toEqual([
      "the lockfile's root dependencies differ from package.json's (run npm install and commit the lockfile)",
    ]);
    const added = copy(manifest);
    added.dependencies["left-pad"] = "1.3.0";
    expect(checkLockfile(added, lock)).toHaveLength(1);
    const removed = copy(manifest);
    removed.devDependencies = Object.fromEntries(Object.entries(removed.devDependencies).slice(1));
    expect(checkLockfile(removed, lock)).toEqual([expect.stringMatching(/root devDependencies differ/) as unknown]);
  });

  it("P20 (refuses): a locked package without its sha512 digest, with only a sha1 one, or without an exact version", () => {
    const name = `node_modules/${firstDependency()}`;
    const missing = copy(lock);
    delete missing.packages[name]!.integrity;
    expect(checkLockfile(manifest, missing)).toEqual([`${name} has no sha512 integrity`]);
    const sha1 = copy(lock);
    sha1.packages[name]!.integrity = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=";
    expect(checkLockfile(manifest, sha1)).toEqual([`${name} has no sha512 integrity`]);
    const ranged = copy(lock);
    ranged.packages[name]!.version = "^1.0.0";
    expect(checkLockfile(manifest, ranged)).toEqual([`${name} has no exact version`]);
  });

  it("P20 (refuses): a locked package resolved off the registry, linked, or depending on a git source; another lockfile version", () => {
    const name = `node_modules/${firstDependency()}`;
    const mirror = copy(lock);
    mirror.packages[name]!.resolved = "https://registry.example.com/x/-/x-1.0.0.tgz";
    expect(checkLockfile(manifest, mirror)).toEqual([expect.stringMatching(/is resolved off the registry/) as unknown]);
    const linked = copy(lock);
    linked.packages["packages/local"] = { version: "1.0.0", integrity: "sha512-AAAA", link: true };
    expect(checkLockfile(manifest, linked)).toEqual(["packages/local is a link or a workspace, not a registry package"]);
    const gitDep = copy(lock);
    gitDep.packages[name]!.dependencies = { evil: "git+ssh://git@github.com/x/evil.git" };
    expect(checkLockfile(manifest, gitDep)).toEqual([
      expect.stringMatching(/depends on evil from "git\+ssh:.*", off the registry/) as unknown,
    ]);
    const v2 = copy(lock);
    v2.lockfileVersion = 2;
    expect(checkLockfile(manifest, v2)).toEqual(["lockfileVersion is 2, not 3"]);
  });
});

describe("P20 CI fails on advisories, type errors and lint errors", () => {
  it("P20: .ci/run stops at the first failure and runs npm ci, the audit, lint and typecheck, in that order, none softened", () => {
    expect(ciRun).toMatch(/^set -euo pipefail$/m);
    expect(checkCiScript(ciRun)).toEqual([]);
  });

  it("P20: .ci/audit audits the production dependencies at level high; lint runs prettier and eslint, typecheck tsc", () => {
    expect(ciAudit).toContain("npm audit --omit=dev --audit-level=high");
    expect(checkAuditScript(ciAudit)).toEqual([]);
    expect(checkQualityScripts(manifest)).toEqual([]);
  });

  it.each([
    ["without the audit step", (s: string) => s.replace(/^bash \.ci\/audit$/m, ""), "the CI script does not run `bash .ci/audit`"],
    [
      "with the audit commented out",
      (s: string) => s.replace(/^bash \.ci\/audit$/m, "# bash .ci/audit"),
      "the CI script does not run `bash .ci/audit`",
    ],
    [
      "with the audit softened",
      (s: string) => s.replace(/^bash \.ci\/audit$/m, "bash .ci/audit || true"),
      "`bash .ci/audit || true` cannot fail the CI run",
    ],
    ["without lint", (s: string) => s.replace(/^npm run lint$/m, ""), "the CI script does not run `npm run lint`"],
    [
      "with typecheck in the background",
      (s: string) => s.replace(/^npm run typecheck$/m, "npm run typecheck &"),
      "`npm run typecheck &` cannot fail the CI run",
    ],
    [
      "without set -e",
      (s: string) => s.replace(/^set -euo pipefail$/m, "set -uo pipefail"),
      "the CI script does not stop at the first failure (no `set -e`)",
    ],
    [
      "without pipefail",
      (s: string) => s.replace(/^set -euo pipefail$/m, "set -eu"),
      "the CI script does not fail on a failing pipe (no `-o pipefail`)",
    ],
    ["without npm ci (npm install instead)", (s: string) => s.replace(/npm ci /g, "npm install "), "the CI script does not run `npm ci`"],
  ])("P20 (refuses): a CI script %s", (_, breakIt, problem) => {
    const broken = breakIt(ciRun);
    expect(broken).not.toBe(ciRun);
    expect(checkCiScript(broken)).toEqual([problem]);
  });

  it.each([
    [
      "only critical advisories",
      (s: string) => s.replace("--audit-level=high", "--audit-level=critical"),
      /does not fail on high advisories/,
    ],
    ["no audit level", (s: string) => s.replace(" --audit-level=high", ""), /does not fail on high advisories/],
    ["the dev dependencies only", (s: string) => s.replace("--omit=dev", "--omit=prod"), /production dependencies/],
    ["never exiting 1", (s: string) => s.replace(/^exit 1$/m, "exit 0"), /never exits 1/],
    ["no npm audit", (s: string) => s.replace(/npm audit/g, "echo audit"), /does not run `npm audit`/],
  ])("P20 (refuses): an audit script checking %s", (_, breakIt, problem) => {
    const broken = breakIt(ciAudit);
    expect(broken).not.toBe(ciAudit);
    expect(checkAuditScript(broken)).toContainEqual(expect.stringMatching(problem));
  });

  it("P20 (refuses): lint or typecheck scripts that cannot fail", () => {
    const soft = copy(manifest);
    soft.scripts = { ...(soft.scripts as Record<string, string>), lint: "eslint . || true", typecheck: "echo ok" };
    expect(checkQualityScripts(soft)).toEqual([
      "`npm run lint` does not run eslint and prettier --check",
      "`npm run typecheck` does not run tsc --noEmit",
    ]);
  });
});

/** .ci/audit run from a scratch checkout with a stand-in `npm` first on PATH. */
describe("P20 .ci/audit against the audit service's answers", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rampart-audit-"));
    await mkdir(join(dir, ".ci"));
    await mkdir(join(dir, "bin"));
    await cp(join(repo, ".ci/audit"), join(dir, ".ci/audit"));
    // Prints $AUDIT_OUT, records its arguments, exits with $AUDIT_CODE: npm audit's shape.
    const npm = join(dir, "bin", "npm");
    await writeFile(npm, '#!/bin/sh\nprintf "%s\\n" "$*" > "$AUDIT_ARGS"\nprintf "%s" "$AUDIT_OUT"\nexit "$AUDIT_CODE"\n');
    await chmod(npm, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const audit = async (out: unknown, code: number) => {
    const args = join(dir, "args.txt");
    const child = spawnSync("bash", [join(dir, ".ci/audit")], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: [join(dir, "bin"), dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
        AUDIT_OUT: JSON.stringify(out),
        AUDIT_CODE: String(code),
        AUDIT_ARGS: args,
      },
    });
    return { code: child.status, stdout: child.stdout, npmArgs: (await readFile(args, "utf8")).trim() };
  };

  const ADVISORY = {
    auditReportVersion: 2,
    vulnerabilities: { "some-lib": { name: "some-lib", severity: "high", isDirect: true, via: [{ title: "Prototype pollution" }] } },
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 1, critical: 0, total: 1 } },
  };

  it("P20: no advisory: the audit passes, having asked about production dependencies at level high", async () => {
    const clean = { auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { high: 0, critical: 0, total: 0 } } };
    const result = await audit(clean, 0);
    expect(result).toMatchObject({ code: 0, npmArgs: "audit --omit=dev --audit-level=high --json" });
    expect(result.stdout).toContain("no high or critical advisories in production dependencies");
  });

  it("P20 (refuses): a high advisory in a production dependency fails the audit, and so CI, naming it", async () => {
    const result = await audit(ADVISORY, 1);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("some-lib");
    expect(result.stdout).toContain("audit: high or critical advisories in production dependencies");
  });

  it("P20: an unreachable audit service is said plainly and does not fail the run (the promise holds when it is reachable)", async () => {
    const result = await audit(
      { error: { code: "ENOTFOUND", summary: "request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed" } },
      1,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("the audit service could not be reached; advisories were not checked");
  });
});
