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
}

declare module "vitest" {
  export interface ProvidedContext {
    workerVars: Record<string, string>;
    stack: StackUrls;
    conformance: ConformanceTargets;
  }
}
