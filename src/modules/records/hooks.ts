/**
 * Work another module adds to a resource's generic create and delete, declared with the
 * resource (`declareResource({ …, hooks })`): evidence records take a `file` when they
 * are created (its first version and upload URL, src/modules/files/) and lose their
 * stored objects when they are deleted. A hook adds statements to the handler's ONE
 * transaction (never a round trip), and acts on their results once it committed.
 */
import type { z } from "@hono/zod-openapi";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import type { Database } from "../../db";
import type { ErrorCode } from "../../http/errors";

/** The organization and the record a hook works on. */
export interface HookTarget {
  readonly org: string;
  readonly id: string;
}

/** Statements for the handler's transaction, and what follows once it committed (given their results, in order). */
export interface HookWork<T> {
  readonly statements: readonly BatchItem<"pg">[];
  /** Runs after the commit. For a delete it must not throw: the record is gone whatever happens next. */
  readonly settle: (results: readonly unknown[]) => Promise<T>;
}

/** What a create gains: body fields that are not columns, and fields its answer adds. */
export interface CreateHook {
  /** Extra body fields (validated with the rest; never inserted as columns). */
  readonly fields: z.ZodRawShape;
  /** Extra fields of the 201 answer. */
  readonly answer: z.ZodRawShape;
  readonly errors: readonly ErrorCode[];
  /** Appended to the route's description. */
  readonly note: string;
  /**
   * The statements after the record's insert (its id was chosen by the worker), given the
   * extra fields sent; `undefined` when there is nothing to do. May throw to refuse the
   * request before anything is sent.
   */
  readonly work: (
    c: Context<AppEnv>,
    tx: Database,
    target: HookTarget,
    extras: Readonly<Record<string, unknown>>,
  ) => HookWork<Readonly<Record<string, unknown>>> | undefined;
}

/** What a delete gains: statements before the record's deletion, and their follow-up after the commit. */
export interface DeleteHook {
  /** Appended to the route's description. */
  readonly note: string;
  readonly work: (c: Context<AppEnv>, tx: Database, target: HookTarget) => HookWork<void>;
}

/** A resource's hooks. */
export interface RecordHooks {
  readonly create?: CreateHook;
  readonly delete?: DeleteHook;
}
