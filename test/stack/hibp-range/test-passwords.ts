/**
 * Passwords the HIBP range stand-in reports as breached although no common-password
 * list holds them, so a test can tell "the worker asked the range API" apart from
 * "the worker matched its bundled top-N list". Kept free of imports so tests that
 * run inside workerd can import it as well as the Node-side stand-in.
 */

/** Known-breached test passwords (each with a small, positive count in the stand-in). */
export const BREACHED_TEST_PASSWORDS = [
  "rampart-breached-test-password",
  "rampart-breached-test-password-2",
  // Long and mixed, so it passes length/character rules and only the breach check refuses it.
  "Rampart-Breached-Test-Passphrase-2024!",
] as const;

/** The breach count the stand-in gives every entry of BREACHED_TEST_PASSWORDS. */
export const BREACHED_TEST_PASSWORD_COUNT = 7;
