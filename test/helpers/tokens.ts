/**
 * Access tokens for tests, signed with the test deployment's own key through the
 * production signer: a test that needs "a signed-in user" without walking through
 * sign-up gets exactly what a login would hand out.
 */
import { signAccessToken, type AccessClaims } from "../../src/crypto/jwt";
import { getConfig, type Bindings } from "../../src/env";
import { testEnv } from "./worker";

/** A token for `claims` (random user and session unless given), signed under `env`'s config. */
export async function accessTokenFor(claims: Partial<AccessClaims> = {}, env: Bindings = testEnv): Promise<string> {
  const config = getConfig(env);
  if (!config.ok) throw new Error(`test config invalid: ${JSON.stringify(config.error)}`);
  const { token } = await signAccessToken(config.value, {
    userId: crypto.randomUUID(),
    sessionId: crypto.randomUUID(),
    aal: "aal1",
    amr: ["pwd"],
    superAdmin: false,
    ...claims,
  });
  return token;
}
