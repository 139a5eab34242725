/**
 * TLS version names, apart from the configuration schema: the edge's transport check
 * needs them on every request, before (and without) the parsed configuration's zod.
 */

/** TLS versions in the order `request.cf.tlsVersion` names them. */
export const TLS_VERSIONS = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const;
/** A TLS version name. */
export type TlsVersion = (typeof TLS_VERSIONS)[number];
