/**
 * `npm run admin:grant -- <email>`: makes a verified user a platform super
 * administrator (P7, P9). Only the owner can: it runs with DATABASE_OWNER_URL, like the
 * migrations, through `auth.grant_super_admin`, which the worker's role may not call;
 * the grant and its `admin_granted` security event are written together. The new
 * administrator's next access token carries `adm: true`, and every admin route still
 * refuses it without a second factor (aal2): enrol TOTP first.
 *
 *   DATABASE_OWNER_URL=postgres://owner@host/db npm run admin:grant -- ada@example.org
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ADMIN_GRANTED_EVENT } from "./admin-events.ts";

/** Grants `email` super-administrator rights; resolves with the user id and whether they already had them. */
export async function grantSuperAdmin(ownerUrl: string, email: string): Promise<{ userId: string; wasAdmin: boolean }> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ user_id: string; was_admin: boolean }>("select * from auth.grant_super_admin($1, $2)", [
      email,
      ADMIN_GRANTED_EVENT,
    ]);
    const [row] = rows;
    if (row === undefined) throw new Error("auth.grant_super_admin returned nothing");
    return { userId: row.user_id, wasAdmin: row.was_admin };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const ownerUrl = process.env.DATABASE_OWNER_URL;
  const email = process.argv[2];
  if (!ownerUrl) throw new Error("set DATABASE_OWNER_URL (the owner's connection string)");
  if (email === undefined || email.trim() === "") throw new Error("usage: npm run admin:grant -- <email>");
  const { userId, wasAdmin } = await grantSuperAdmin(ownerUrl, email);
  console.log(
    wasAdmin
      ? `${email} (${userId}) was already a super administrator; the grant was recorded again`
      : `${email} (${userId}) is now a super administrator; admin routes need an aal2 session (TOTP)`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
