/** The signed-in user of a route declared with `auth: { principals: ["user"] }`. */
import type { Context } from "hono";
import type { AppEnv, UserPrincipal } from "../../context";

/** The request's user; stage 4 guarantees one on user routes, so its absence is a bug (500). */
export function currentUser(c: Context<AppEnv>): UserPrincipal {
  const principal = c.get("principal");
  if (principal?.kind !== "user") throw new Error("a user route ran without a user principal");
  return principal;
}
