/** Types of `cloudflare:test` for this worker: its env is the worker's bindings. */
import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
