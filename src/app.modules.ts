/**
 * The app's modules, in the order of the README's route table (and of mounting: on
 * one path, an earlier module's route is tried first). Each is imported and built on
 * the first request whose path one of its routes matches (app.routes.ts lists them),
 * so a cold isolate builds the schemas and routes of the module a request needs, not
 * of all thirteen. Only `import()` here: a static import would load the module at
 * start-up.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import type { OpenApiDocument } from "./http/openapi-document";

/** A module's router and where it is mounted. */
export interface AppModule {
  /** Mount point, e.g. `/v1/auth`; `/` for routes declared with full paths. */
  readonly basePath: string;
  readonly router: OpenAPIHono<AppEnv>;
}

/** What a module may need from the app when it is built. */
export interface ModuleDeps {
  /** The whole app's OpenAPI document (the platform module serves it). */
  readonly openApiDocument: () => Promise<OpenApiDocument>;
}

/** One module: its name (the key of its routes in app.routes.ts) and how to build it. */
export interface LazyModule {
  readonly name: string;
  readonly load: (deps: ModuleDeps) => Promise<AppModule>;
}

export const MODULES = [
  {
    name: "platform",
    load: async (deps) => ({ basePath: "/", router: (await import("./modules/platform")).createPlatformRouter(deps) }),
  },
  {
    name: "auth",
    load: async () => {
      const m = await import("./modules/auth");
      return { basePath: m.AUTH_BASE_PATH, router: m.createAuthRouter() };
    },
  },
  {
    name: "orgs",
    load: async () => {
      const m = await import("./modules/orgs");
      return { basePath: m.ORGS_BASE_PATH, router: m.createOrgsRouter() };
    },
  },
  {
    name: "audit",
    load: async () => {
      const m = await import("./modules/audit");
      return { basePath: m.AUDIT_BASE_PATH, router: m.createAuditRouter() };
    },
  },
  // The eight compliance records under /v1/orgs/{org}/<resource>, one declaration each (src/modules/records/registry.ts).
  {
    name: "records",
    load: async () => {
      const m = await import("./modules/records");
      return { basePath: m.RECORDS_BASE_PATH, router: m.createRecordsRouter() };
    },
  },
  {
    name: "nis2",
    load: async () => {
      const m = await import("./modules/nis2");
      return { basePath: m.NIS2_BASE_PATH, router: m.createNis2Router() };
    },
  },
  // Evidence files: versions, signed upload and download URLs, and the /files routes that serve them (P14).
  {
    name: "files",
    load: async () => {
      const m = await import("./modules/files");
      return { basePath: m.FILES_BASE_PATH, router: m.createFilesRouter() };
    },
  },
  // Links between records (control ↔ risk, control ↔ evidence) and assessment results (assessment ↔ control).
  {
    name: "links",
    load: async () => {
      const m = await import("./modules/links");
      return { basePath: m.LINKS_BASE_PATH, router: m.createLinksRouter() };
    },
  },
  // Policy acknowledgements, training assignments and each person's open duties.
  {
    name: "duties",
    load: async () => {
      const m = await import("./modules/duties");
      return { basePath: m.DUTIES_BASE_PATH, router: m.createDutiesRouter() };
    },
  },
  {
    name: "invitations",
    load: async () => {
      const m = await import("./modules/orgs");
      return { basePath: m.INVITATIONS_BASE_PATH, router: m.createInvitationsRouter() };
    },
  },
  // Stripe's webhook, billing status, the bank's OAuth2 connection, data-key re-encryption (full paths).
  {
    name: "integrations",
    load: async () => {
      const m = await import("./modules/integrations");
      return { basePath: m.INTEGRATIONS_BASE_PATH, router: m.createIntegrationsRouter() };
    },
  },
  // Backups: the organization's encrypted exports, their restore checks, the restore drill; the administrators' list (P15).
  {
    name: "backups",
    load: async () => {
      const m = await import("./modules/backups");
      return { basePath: m.BACKUPS_BASE_PATH, router: m.createBackupsRouter() };
    },
  },
  // Platform administration: organizations, suspension, cross-tenant security events and alerts (super administrators, aal2).
  {
    name: "admin",
    load: async () => {
      const m = await import("./modules/admin");
      return { basePath: m.ADMIN_BASE_PATH, router: m.createAdminRouter() };
    },
  },
] as const satisfies readonly LazyModule[];

/** A module's name. */
export type ModuleName = (typeof MODULES)[number]["name"];
