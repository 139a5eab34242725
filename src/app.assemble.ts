/**
 * Stage 3 and the modules (src/app.ts has the whole order): mounts the modules
 * loaded so far behind the shell's CORS frame, refuses a route declared
 * without authentication, and rebuilds what the WAF and the 404/405 answers read
 * from the mounted routes. Imported with the first module, so start-up never pays
 * for zod-openapi's router.
 */
import type { ErrorHandler, Hono } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppModule } from "./app.modules";
import type { AppEnv } from "./context";
import { createRouter } from "./http/openapi";
import { SECURITY_SCHEMES } from "./pipeline/authenticate";
import { buildMethodIndex, routeNotMatched, type MethodIndex, type RegisteredRoute } from "./pipeline/request";
import { declaredAuth } from "./pipeline/route";
import type { RegisteredDefinition, WafRouteIndex } from "./pipeline/waf";

/** What the shell built once, which every assembled router shares. */
export interface Shell {
  /** Puts the browser app's CORS frame on a router (the edge, with the WAF, runs in front of the router). */
  readonly frame: (router: Hono<AppEnv>) => void;
  /** Stage 8. */
  readonly errors: ErrorHandler<AppEnv>;
  /** Each mounted route's body limit and exclusions, which the WAF reads before routing. */
  readonly wafRoutes: WafRouteIndex;
  /** The mounted routes' methods by path (CORS preflights read it); replaced on each assembly. */
  readonly index: { methods: MethodIndex };
}

/**
 * Deny by default: every route the router serves must have been declared with
 * `defineRoute` and its `auth`; a route added any other way stops the module from
 * being served, so no route can be served without an authentication decision.
 */
function requireDeclaredAuth(routes: readonly RegisteredRoute[], definitions: readonly RegisteredDefinition[]): void {
  const declared = new Set(
    definitions.flatMap((d) =>
      d.type === "route" && d.route !== undefined && declaredAuth(d.route) !== undefined
        ? [`${d.route.method.toUpperCase()} ${d.route.path.replace(/\{([^}/]+)\}/g, ":$1")}`]
        : [],
    ),
  );
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const key = `${route.method.toUpperCase()} ${route.path}`;
    if (!declared.has(key)) throw new Error(`createApp: ${key} declares no authentication (declare it with defineRoute's auth)`);
  }
}

/**
 * A router with `modules` mounted in order behind the shell's frames. The modules'
 * routers are built once each; assembling only copies their routes, so it is cheap
 * to do again when another module loads.
 */
export function assembleRouter(shell: Shell, modules: readonly AppModule[]): OpenAPIHono<AppEnv> {
  const app = createRouter();
  shell.frame(app);
  for (const module of modules) app.route(module.basePath, module.router);

  const definitions = app.openAPIRegistry.definitions;
  requireDeclaredAuth(app.routes, definitions);
  app.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEMES.user, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from login, MFA verification or refresh (≤ 15 minutes). Routes that need aal2 say so.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEMES.api_key, {
    type: "http",
    scheme: "bearer",
    description: "An organization's API key (`rk_live_…`).",
  });
  // The registry lists every mounted route (full path) with what defineRoute declared.
  shell.wafRoutes.build(definitions);
  // 3. No route matched: 404, or 405 with Allow derived from the routes just mounted.
  const methods = buildMethodIndex(app.routes);
  shell.index.methods = methods;
  app.notFound(routeNotMatched(methods));
  // 8. Errors.
  app.onError(shell.errors);
  return app;
}
