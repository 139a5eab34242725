// Lint for src/ (workerd) and test/ (workerd tests + Node stand-ins), type-aware.
// Promise-safety rules are errors: a floating promise in a Worker is lost work.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import regexp from "eslint-plugin-regexp";
import { fileURLToPath } from "node:url";
import layers from "./eslint-rules/layers.js";

const root = fileURLToPath(new URL("..", import.meta.url));

export default tseslint.config(
  { ignores: ["node_modules/**", ".wrangler/**", ".data/**", ".bench/**", "drizzle/meta/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ["./tsconfig.json", "./test/tsconfig.json", "./test/tsconfig.node.json"],
        tsconfigRootDir: root,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
      // `return send(res, …)` ends a void handler early; that is not a confusing void.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
    },
  },
  {
    // Imports only point down: app → modules → pipeline → http/db/redis → lib (README "Layout").
    files: ["src/**/*.ts", "test/**/*.ts"],
    plugins: { rampart: layers },
    rules: { "rampart/layers": ["error", { root }] },
  },
  {
    // The edge runs in front of the router and hands the request id and the configuration
    // over on `c.env.edge`. Read through `c.get`/`c.var` they type-check (hono/request-id
    // declares a `requestId` variable for every Hono app) but are always undefined.
    files: ["src/**/*.ts", "test/**/*.ts"],
    ignores: ["test/bench/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='c'][callee.property.name='get'][arguments.0.value=/^(requestId|config)$/]",
          message: "The edge's facts are on c.env.edge (c.env.edge.requestId, c.env.edge.config), not Hono variables.",
        },
        {
          selector: "MemberExpression[object.property.name='var'][property.name=/^(requestId|config)$/]",
          message: "The edge's facts are on c.env.edge (c.env.edge.requestId, c.env.edge.config), not Hono variables.",
        },
      ],
    },
  },
  {
    // P3 "linear time, always": no regex in the worker may backtrack super-linearly
    // (the WAF's rule table is also checked pattern by pattern by `npm run redos`).
    files: ["src/**/*.ts"],
    plugins: { regexp },
    rules: {
      "regexp/no-super-linear-backtracking": "error",
      "regexp/no-dupe-disjunctions": "error",
      "regexp/no-misleading-capturing-group": "error",
      "regexp/no-empty-alternative": "error",
      "regexp/no-useless-quantifier": "error",
    },
  },
  {
    // The WAF scans untrusted input of up to its inspection cap with unanchored
    // patterns: a quadratic "move" there is a denial of service. (Elsewhere patterns
    // run on short, bounded config and key strings.)
    files: ["src/pipeline/waf/**/*.ts"],
    rules: { "regexp/no-super-linear-move": "error" },
  },
  {
    // Tests assert on loosely-typed wire data; keep type-safety rules but allow non-null assertions there.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
