/** Database access: Neon over HTTP (default) or WebSocket, the schema, and tenant-scoped batches. */
export { createSql, createPool, type DatabaseConfig, type SqlOptions } from "./client";
export {
  createDatabase,
  inContext,
  inTenant,
  type Actor,
  type Database,
  type RequestContext,
  type Statements,
  type TenantContext,
} from "./tenant";
export * as schema from "./schema";
export { sqlState } from "./errors";
