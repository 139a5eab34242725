/**
 * The parts of jose the worker uses. jwt.ts imports this module dynamically, not
 * "jose" itself: a dynamic import of a package's whole namespace keeps all of it
 * (JWE, key generation, remote key sets), while these named re-exports let the
 * bundler drop what nothing calls.
 */
export { createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from "jose";
