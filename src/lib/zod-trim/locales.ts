/**
 * Bundle trim for zod's `locales` namespace (`z.locales`). @hono/zod-openapi uses
 * the `z` namespace object as a value, which defeats tree shaking and would put
 * every translation (~250 KB minified) into the worker. Only English is used, and
 * zod installs it on its own; this module keeps `z.locales.en` working.
 * Wired in wrangler.toml [alias]; see README "Bundle size".
 */
export { default as en } from "zod/v4/locales/en.js";
