/**
 * Where evidence files are served and the CSP they are served under: the app's shell
 * reads both at start-up (the CSP and CORS frames by path), so they live apart from
 * the module's code, which loads on the first request that needs it.
 */

/** Path prefix of the signed upload and download URLs. */
export const FILES_PATH = "/files";

/** Files can run nothing, even opened in a browser tab: no source of anything, sandboxed, never framed. */
export const FILES_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";
