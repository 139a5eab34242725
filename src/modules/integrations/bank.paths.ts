/**
 * Where the bank sends the browser back: the app's shell reads it at start-up (a
 * navigation target gets the document headers), so it lives apart from the module's
 * code, which loads on the first request that needs it.
 */

/** Where the bank sends the browser back (registered at the bank as the redirect URI). */
export const CALLBACK_PATH = "/oauth/bank/callback";
