/** Values the global setup hands to the worker's bindings and to the tests. */
export interface ConformanceTargets {
  neon: {
    backend: "postgres" | "pglite";
    httpEndpoint: string;
    wsProxy: string;
    connectionString: string;
    appConnectionString: string;
    controlUrl: string;
  }[];
  upstash: { backend: "redis" | "embedded"; url: string; token: string }[];
}

export interface StackUrls {
  /** Base URLs of the stand-ins; each serves GET /__rampart/stats. */
  neonControlUrl: string;
  upstashControlUrl: string;
  resendControlUrl: string;
  /** Pwned Passwords range stand-in (also the worker's HIBP_API_URL); POST /__rampart/down to hang it. */
  hibpControlUrl: string;
  /** Turnstile siteverify stand-in; GET /__rampart/requests lists what it received. */
  turnstileControlUrl: string;
  /** The bank's OAuth2 stand-in (also the worker's BANK_ISSUER); GET /__rampart/requests lists what it received. */
  bankControlUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    workerVars: Record<string, string>;
    stack: StackUrls;
    conformance: ConformanceTargets;
  }
}
