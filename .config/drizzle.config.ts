/**
 * drizzle-kit: `npm run db:generate` writes a migration from the schema in
 * src/db/schema; hand-written SQL (roles, policies, functions, triggers) lives in
 * the same folder as `--custom` migrations (README "Database").
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
  strict: true,
  verbose: false,
});
