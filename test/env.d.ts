/**
 * Types of `cloudflare:workers` in the tests: `env` is the worker's bindings as the
 * global setup configures them, `exports.default` the worker's own entry point.
 */
import type { Bindings } from "../src/env";
import type * as worker from "../src/index";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      /** The global setup always runs the worker under test as `APP_ENV=test`. */
      readonly APP_ENV: "test";
    }
    interface GlobalProps {
      mainModule: typeof worker;
    }
  }
}
