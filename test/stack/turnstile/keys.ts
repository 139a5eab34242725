/**
 * Cloudflare's documented Turnstile test keys and dummy token, which the siteverify
 * stand-in honours like the real API. Kept free of imports so tests that run inside
 * workerd can import it as well as the Node-side stand-in.
 */

/** Documented test secret keys: each gives the same siteverify outcome for any token. */
export const TURNSTILE_TEST_SECRETS = {
  /** Always passes validation. */
  pass: "1x0000000000000000000000000000000AA",
  /** Always fails validation (`invalid-input-response`). */
  fail: "2x0000000000000000000000000000000AA",
  /** Always answers "token already spent" (`timeout-or-duplicate`). */
  spent: "3x0000000000000000000000000000000AA",
} as const;

/** Documented test sitekeys for the browser widget (not used by siteverify; here for tests that render one). */
export const TURNSTILE_TEST_SITEKEYS = {
  passVisible: "1x00000000000000000000AA",
  failVisible: "2x00000000000000000000AB",
  passInvisible: "1x00000000000000000000BB",
  failInvisible: "2x00000000000000000000BB",
  interactive: "3x00000000000000000000FF",
} as const;

/** The response token the test sitekeys produce. */
export const TURNSTILE_DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

/** Path of the siteverify endpoint, on the stand-in as on challenges.cloudflare.com. */
export const SITEVERIFY_PATH = "/turnstile/v0/siteverify";

/** Longest response token siteverify accepts; longer ones are `invalid-input-response`. */
export const MAX_RESPONSE_LENGTH = 2048;
