/**
 * Policy acknowledgements and training assignments through the real worker: their
 * paths, an approved policy and a training made through the records routes, API keys
 * made by an owner, and what the owner sees behind the row policies.
 */
import { ownerCount, ownerQuery } from "./identity-ip";
import { api, type Person } from "./orgs";
import { createRecord, recordsPath, type RecordBody } from "./records";

export const ackPath = (orgId: string, policyId: string): string => `${recordsPath(orgId, "policies", policyId)}/acknowledgements`;
export const assignmentsPath = (orgId: string, trainingId: string, userId?: string): string =>
  `${recordsPath(orgId, "trainings", trainingId)}/assignments${userId === undefined ? "" : `/${userId}`}`;
export const completionPath = (orgId: string, trainingId: string, userId: string): string =>
  `${assignmentsPath(orgId, trainingId, userId)}/completion`;
export const myDutiesPath = (orgId: string): string => `/v1/orgs/${orgId}/me/duties`;

/** An acknowledgement as the API answers it. */
export interface Ack {
  readonly id: string;
  readonly policy_id: string;
  readonly user_id: string;
  readonly name: string | null;
  readonly document_version: string;
  readonly policy_version: number;
  readonly acknowledged_at: string;
  readonly current: boolean;
}

export interface AckList {
  readonly policy: { id: string; title: string; status: string; document_version: string; version: number };
  readonly counts: { members: number; acknowledged: number; pending: number };
  readonly items: Ack[];
  readonly pending: { user_id: string; name: string | null; role: string }[];
  readonly truncated: boolean;
}

/** An assignment as the API answers it. */
export interface Assignment {
  readonly id: string;
  readonly training_id: string;
  readonly user_id: string;
  readonly name: string | null;
  readonly status: "pending" | "overdue" | "completed";
  readonly due_date: string | null;
  readonly due_date_override: string | null;
  readonly assigned_at: string;
  readonly assigned_by: string;
  readonly completed_at: string | null;
  readonly completed_by: string | null;
  readonly score: number | null;
  readonly notes: string | null;
}

export interface AssignmentList {
  readonly training: { id: string; title: string; status: string; due_date: string | null };
  readonly counts: { assigned: number; pending: number; overdue: number; completed: number };
  readonly items: Assignment[];
  readonly truncated: boolean;
}

/** A policy created through the API, approved unless told otherwise. */
export const policyIn = (orgId: string, owner: Person, overrides: Readonly<Record<string, unknown>> = {}): Promise<RecordBody> =>
  createRecord(orgId, "policies", owner.token, { status: "approved", document_version: "1.0", ...overrides });

/** A training created through the API. */
export const trainingIn = (orgId: string, owner: Person, overrides: Readonly<Record<string, unknown>> = {}): Promise<RecordBody> =>
  createRecord(orgId, "trainings", owner.token, overrides);

/** An API key with `scopes`, made through the API by an owner; the key itself and its id. */
export async function keyOf(orgId: string, owner: Person, scopes: string[]): Promise<{ key: string; id: string }> {
  const response = await api("POST", `/v1/orgs/${orgId}/api-keys`, owner.token, { name: `duties ${scopes.join(" ")}`, scopes });
  if (response.status !== 201) throw new Error(`creating a key answered ${response.status}: ${await response.text()}`);
  return response.json<{ key: string; id: string }>();
}

/** Assigns through the API (201 or 200 expected); the assignment. */
export async function assignVia(orgId: string, trainingId: string, token: string, body: Readonly<Record<string, unknown>>) {
  const response = await api("POST", assignmentsPath(orgId, trainingId), token, body);
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`assigning answered ${response.status}: ${await response.text()}`);
  return response.json<Assignment>();
}

/** Acknowledgements of a policy, as the owner counts them. */
export const ackRows = (policyId: string): Promise<number> =>
  ownerCount("select count(*)::int as n from policy_acknowledgements where policy_id = $1", [policyId]);

/** Assignments of a training, as the owner counts them. */
export const assignmentRows = (trainingId: string): Promise<number> =>
  ownerCount("select count(*)::int as n from training_assignments where training_id = $1", [trainingId]);

/** One assignment row as stored (undefined when there is none). */
export async function assignmentRow(trainingId: string, userId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await ownerQuery("select * from training_assignments where training_id = $1 and user_id = $2", [trainingId, userId]);
  return row;
}
