/** The database schema, from which drizzle-kit generates drizzle/*.sql. */
export * from "./identity";
export * from "./orgs";
export * from "./records";
export * from "./events";
export * from "./notifications";
export * from "./links";
export * from "./duties";
export * from "./evidence-files";
export * from "./integrations";
export * from "./admin";
export * from "./reminders";
export * from "./backups";
