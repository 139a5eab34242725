/**
 * What a route declares about who may call it (`defineRoute(route, { auth })`), and
 * what follows from the declaration: the OpenAPI `security` of the route and the
 * error codes authentication may answer. Deny by default: `createApp` refuses to
 * build when a route declares nothing (src/app.ts).
 */
import type { ErrorCode } from "../../http/errors";

/** A kind of caller: a signed-in person (access JWT) or a machine client (API key). */
export type PrincipalKind = "user" | "api_key";

/**
 * `"public"`: anyone (sign-up, login, health). Otherwise the principals accepted,
 * whether the session must have passed a second factor (`aal: "aal2"`, P7), and
 * whether only platform super administrators may call (always with `aal2`).
 */
export type AuthRequirement =
  | "public"
  | {
      readonly principals: readonly [PrincipalKind, ...PrincipalKind[]];
      readonly aal?: "aal2";
      readonly superAdmin?: true;
    };

/** OpenAPI security scheme names, registered by the app. */
export const SECURITY_SCHEMES = {
  user: "accessToken",
  api_key: "apiKey",
} as const satisfies Record<PrincipalKind, string>;

/** The OpenAPI `security` of a route: an empty list for public routes (overriding any default). */
export function securityOf(requirement: AuthRequirement): Record<string, string[]>[] {
  if (requirement === "public") return [];
  return requirement.principals.map((kind) => ({ [SECURITY_SCHEMES[kind]]: [] }));
}

/** The codes authentication may answer for a route with this requirement. */
export function authErrors(requirement: AuthRequirement): ErrorCode[] {
  if (requirement === "public") return [];
  return [
    "authentication_required",
    "invalid_token",
    "auth_unavailable",
    ...(requirement.aal === "aal2" || requirement.superAdmin === true ? (["mfa_required"] as const) : []),
    ...(requirement.superAdmin === true ? (["forbidden"] as const) : []),
  ];
}

/** Whether the route needs `aal2`: declared, or implied by super-administrator routes (P7). */
export function needsAal2(requirement: Exclude<AuthRequirement, "public">): boolean {
  return requirement.aal === "aal2" || requirement.superAdmin === true;
}
