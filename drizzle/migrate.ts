/**
 * Applies the migrations in this folder, in journal order, each pending one once
 * (drizzle's own migrator and its `drizzle.__drizzle_migrations` journal, all pending
 * files in one transaction), then gives the app's login role its password.
 *
 *   DATABASE_OWNER_URL=postgres://owner@host/db DATABASE_URL=postgres://rampart_app:pw@host/db npm run db:migrate
 *
 * The same function migrates embedded PGlite for `npm run dev` and the tests, so
 * every backend runs exactly these files through the same migrator.
 */
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";

/** The folder holding the SQL files and drizzle-kit's journal. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL(".", import.meta.url));
/** The login role the worker connects as (DATABASE_URL's user). */
export const APP_ROLE = "rampart_app";

/** Where to migrate: a Postgres reached with the owner's URL, or an open PGlite. */
export type MigrationTarget = { readonly ownerUrl: string } | { readonly pglite: PGlite };

export interface MigrateOptions {
  /** The app role's password (from DATABASE_URL); unset leaves it as it is. */
  readonly appPassword?: string | undefined;
  /** Another folder (tests migrate partial copies of this one). */
  readonly folder?: string;
}

/** Something that runs one SQL statement with parameters. */
type Run = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export async function migrate(target: MigrationTarget, options: MigrateOptions = {}): Promise<void> {
  const migrationsFolder = options.folder ?? MIGRATIONS_FOLDER;
  if ("pglite" in target) {
    await migratePglite(drizzlePglite({ client: target.pglite }), { migrationsFolder });
    if (options.appPassword !== undefined) {
      await setAppPassword((text, params) => target.pglite.query<Record<string, unknown>>(text, params), options.appPassword);
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.ownerUrl });
  await client.connect();
  try {
    // Two migrators at once (two CI jobs, a deploy and a developer) take turns.
    await client.query("select pg_advisory_lock(hashtext('rampart.migrate'))");
    await migratePg(drizzlePg({ client }), { migrationsFolder });
    if (options.appPassword !== undefined) {
      await setAppPassword((text, params) => client.query<Record<string, unknown>>(text, params), options.appPassword);
    }
  } finally {
    await client.end();
  }
}

async function setAppPassword(run: Run, password: string): Promise<void> {
  // ALTER ROLE takes no parameters: let Postgres quote the literal.
  const { rows } = await run(`select format('ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD %L', $1::text) as statement`, [password]);
  const statement = rows[0]?.statement;
  if (typeof statement !== "string") throw new Error("could not build the ALTER ROLE statement");
  await run(statement, []);
}

/** The app's password from DATABASE_URL, after checking it names the app role. */
export function appPasswordFrom(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const user = decodeURIComponent(url.username);
  if (user !== APP_ROLE) throw new Error(`DATABASE_URL must log in as ${APP_ROLE}, not "${user}"`);
  const password = decodeURIComponent(url.password);
  if (password.length < 16) throw new Error("DATABASE_URL's password must be at least 16 characters");
  return password;
}

async function main(): Promise<void> {
  const ownerUrl = process.env.DATABASE_OWNER_URL;
  if (!ownerUrl) throw new Error("set DATABASE_OWNER_URL (the owner's connection string) to migrate");
  const appUrl = process.env.DATABASE_URL;
  if (appUrl !== undefined && appUrl === ownerUrl) throw new Error("DATABASE_URL must be the app role's URL, not the owner's");
  await migrate({ ownerUrl }, { appPassword: appUrl ? appPasswordFrom(appUrl) : undefined });
  console.log(`migrations applied${appUrl ? `; ${APP_ROLE} can log in with DATABASE_URL` : ""}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
