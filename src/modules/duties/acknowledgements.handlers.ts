/**
 * Handlers of the acknowledgement routes: each is ONE transaction in ONE round trip
 * (`inOrg`: the authorization check, then the statements). The acknowledgement is an
 * INSERT … SELECT that finds the policy in the same statement; the policy read after it
 * tells a new acknowledgement (201) from an existing one (200), a policy that moved past
 * If-Match (412) and one that is not there (404). The database refuses a draft or
 * retired policy and an API key on its own; the audit entry is the table's trigger.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { ORG_ROLES, POLICY_STATUSES, type OrgRole } from "../../db/schema";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import { versionsOf } from "../records/if-match";
import type { acknowledgeRoute, listAcknowledgementsRoute } from "./acknowledgements.routes";
import {
  acknowledge,
  acknowledgementsOf,
  pendingMembers,
  policyAndMyAcknowledgement,
  policyWithCounts,
  type AcknowledgementRow,
} from "./acknowledgements.statements";
import { DUTY_LIST_CAP } from "./duties.schemas";
import { acknowledgement, capped, pathId } from "./present";

/** The policy row read back carries the caller's acknowledgement of its current version. */
const isAcknowledged = (row: Partial<AcknowledgementRow>): row is AcknowledgementRow => typeof row.id === "string";
const isRole = (value: string): value is OrgRole => (ORG_ROLES as readonly string[]).includes(value);
const isPolicyStatus = (value: string): value is (typeof POLICY_STATUSES)[number] => (POLICY_STATUSES as readonly string[]).includes(value);

export const acknowledgePolicy: RouteHandler<typeof acknowledgeRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = pathId(c.req.valid("param").id);
  const versions = versionsOf(c.req.valid("header")["if-match"]);
  const {
    results: [inserted, now],
  } = await inOrg(c, (tx) => [acknowledge(tx, org, id, versions), policyAndMyAcknowledgement(tx, org, id)]);
  const created = inserted.rows[0];
  if (created !== undefined) return c.json(acknowledgement(created), 201);
  const policy = now.rows[0];
  if (policy === undefined) throw new AppError("not_found");
  if (versions !== undefined && !versions.includes(policy.version)) throw new AppError("precondition_failed");
  // Nothing inserted and no acknowledgement of the current version: the policy changed
  // between the two statements (nothing was written; the client reads it again).
  if (!isAcknowledged(policy)) throw new AppError("conflict");
  return c.json(acknowledgement(policy), 200);
};

export const listAcknowledgements: RouteHandler<typeof listAcknowledgementsRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = pathId(c.req.valid("param").id);
  const {
    results: [found, acknowledgements, pending],
  } = await inOrg(c, (tx) => [policyWithCounts(tx, org, id), acknowledgementsOf(tx, org, id), pendingMembers(tx, org, id)]);
  const policy = found.rows[0];
  if (policy === undefined) throw new AppError("not_found");
  if (!isPolicyStatus(policy.status)) throw new Error(`duties: policy ${policy.id} has an unknown status`);
  const items = capped(acknowledgements.rows, DUTY_LIST_CAP);
  const waiting = capped(pending.rows, DUTY_LIST_CAP);
  return c.json(
    {
      policy: {
        id: policy.id,
        title: policy.title,
        status: policy.status,
        document_version: policy.document_version,
        version: policy.version,
      },
      counts: {
        members: policy.members,
        acknowledged: policy.acknowledged,
        pending: policy.status === "approved" ? policy.members - policy.acknowledged : 0,
      },
      items: items.rows.map(acknowledgement),
      pending: waiting.rows.map((row) => {
        if (!isRole(row.role)) throw new Error(`duties: member ${row.user_id} has an unknown role`);
        return { user_id: row.user_id, name: row.name, role: row.role };
      }),
      truncated: items.truncated || waiting.truncated,
    },
    200,
  );
};
