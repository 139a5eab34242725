// Imports only point down (README "Layout"): app → modules → pipeline → http/db/redis → lib.
// A relative import is resolved to the file it names and refused when its layer is above
// the importer's; src/ never imports test/, and the stand-ins (test/stack/) never import src/,
// because they must speak the services' protocols without knowing the worker.
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Layers of src/, highest first; the first pattern that matches a repo-relative path wins. */
const LAYERS = [
  { rank: 5, name: "app", test: (p) => p === "src/index.ts" || /^src\/app(?:\.[a-z]+)?\.ts$/.test(p) || p === "src/jobs.ts" },
  { rank: 4, name: "modules", test: (p) => p.startsWith("src/modules/") },
  { rank: 3, name: "pipeline", test: (p) => p.startsWith("src/pipeline/") },
  {
    rank: 2,
    name: "http/db/redis/queue/crypto/clients/alerts",
    test: (p) => /^src\/(?:http|db|redis|crypto|clients|alerts|queue)\//.test(p),
  },
  { rank: 1, name: "lib/env/context", test: (p) => p.startsWith("src/") },
];

const layerOf = (path) => LAYERS.find((layer) => layer.test(path));

function resolveFile(from, source) {
  const base = resolve(dirname(from), source);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return base;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "Imports only point down the layers; src/ and the test stand-ins stay apart." },
    schema: [{ type: "object", properties: { root: { type: "string" } }, required: ["root"], additionalProperties: false }],
    messages: {
      upward: "{{from}} ({{fromLayer}}) must not import {{to}} ({{toLayer}}): imports only point down.",
      srcToTest: "src/ must never import test/ code ({{to}}).",
      stackToSrc: "test/stack/ (the local stand-ins) must never import src/ ({{to}}).",
    },
  },
  create(context) {
    const root = context.options[0].root;
    const file = relative(root, context.filename);
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== "string" || !source.startsWith(".")) return;
      const target = relative(root, resolveFile(context.filename, source));
      if (file.startsWith("src/") && target.startsWith("test/")) {
        context.report({ node: node.source, messageId: "srcToTest", data: { to: target } });
      } else if (file.startsWith("test/stack/") && target.startsWith("src/")) {
        context.report({ node: node.source, messageId: "stackToSrc", data: { to: target } });
      } else if (file.startsWith("src/") && target.startsWith("src/")) {
        const from = layerOf(file);
        const to = layerOf(target);
        if (from && to && to.rank > from.rank) {
          context.report({
            node: node.source,
            messageId: "upward",
            data: { from: file, fromLayer: from.name, to: target, toLayer: to.name },
          });
        }
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { layers: rule } };
