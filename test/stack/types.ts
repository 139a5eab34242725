/**
 * The contract every local stand-in keeps, so the launcher, the test setup and
 * the benchmark can treat them alike. Stand-ins run in Node, never in workerd.
 */

/** Exact counts of what reached a stand-in since its last reset. */
export interface RoundTripStats {
  /** HTTP requests that carried work (control routes under /__rampart are not counted). */
  readonly httpRequests: number;
  /** WebSocket connections opened (Neon Pool/Client); 0 for stand-ins without one. */
  readonly wsConnections: number;
}

export interface StandIn {
  /** Base URL of the stand-in's HTTP server, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Counts since the last reset; also served as JSON at GET {url}/__rampart/stats. */
  stats(): RoundTripStats;
  /** Zeroes the counts; also POST {url}/__rampart/stats/reset. */
  resetStats(): void;
  close(): Promise<void>;
}

/** Where a stand-in listens; port 0 picks a free one. */
export interface ListenOptions {
  readonly host?: string;
  readonly port?: number;
}

export const CONTROL_PREFIX = "/__rampart";
