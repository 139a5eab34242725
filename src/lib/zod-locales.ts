/**
 * Bundle-size stand-in for zod's `locales` namespace (`z.locales`), which would
 * otherwise put every translation (~250 KB minified) into the worker, because
 * @hono/zod-openapi uses the `z` namespace object as a value and so defeats tree
 * shaking. Only English is used (zod's default, which zod imports on its own).
 * Wired in wrangler.toml: `[alias] "../locales/index.js" = "./src/lib/zod-locales.ts"`.
 */
export { default as en } from "zod/v4/locales/en.js";
