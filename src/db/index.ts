/** Database access: Neon over HTTP (default) or WebSocket. */
export { createSql, createPool, type DatabaseConfig, type SqlOptions } from "./client";
