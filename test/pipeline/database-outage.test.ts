/**
 * The database unreachable or slow: every database round trip carries a deadline
 * (DATABASE_TIMEOUT_MS), so a request ends with 503 `database_unavailable` and
 * `Retry-After`, never a hang, never a 500, and never half a write (the one
 * transaction commits or not). The outage is simulated at the Neon stand-in for this
 * file's own tagged endpoint only, so other test files keep their database.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { ownerCount } from "../helpers/identity-ip";
import { person } from "../helpers/orgs";
import { callApp, envWith, testEnv } from "../helpers/worker";

const app = createApp();
const tag = `outage-${crypto.randomUUID()}`;
const endpoint = `${testEnv.NEON_HTTP_ENDPOINT ?? ""}?tag=${tag}`;
// The driver maps endpoints by database host: a host name of this file's own (the stand-in
// ignores it) keeps this app's tagged endpoint apart from every other connection in the isolate.
const url = new URL(testEnv.DATABASE_URL ?? "");
url.hostname = "outage-test.invalid";
const databaseUrl = url.href;
const env = envWith({ DATABASE_URL: databaseUrl, NEON_HTTP_ENDPOINT: endpoint, DATABASE_TIMEOUT_MS: "300" });

async function setOutage(down: "hang" | "error" | "false"): Promise<void> {
  const response = await fetch(`${workerDb().controlUrl}/__rampart/backend?tag=${tag}&down=${down}`, { method: "POST" });
  expect(response.status).toBe(200);
}

function createOrg(token: string, name: string): Promise<Response> {
  return callApp(
    app,
    "/v1/orgs",
    { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ name }) },
    env,
  );
}

const orgsNamed = (name: string): Promise<number> => ownerCount("select count(*)::int as n from organizations where name = $1", [name]);

afterEach(async () => {
  await setOutage("false");
});

describe("the database unreachable", () => {
  it("a database that stops answering ends the request with 503 database_unavailable, and nothing is written", async () => {
    const owner = await person();
    const name = `Outage ${crypto.randomUUID()}`;
    await setOutage("hang");
    const response = await createOrg(owner.token, name);
    await expectProblem(response, 503, "database_unavailable");
    expect(response.headers.get("retry-after")).toBe("5");
    // The stand-in's dead backend loses the request (a real one may commit it whole after the deadline:
    // the transaction is all or nothing either way, which the README says).
    await setOutage("false");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await orgsNamed(name)).toBe(0);
  });

  it("a database endpoint answering 5xx is 503 database_unavailable, not a 500", async () => {
    const owner = await person();
    const name = `Outage ${crypto.randomUUID()}`;
    await setOutage("error");
    await expectProblem(await createOrg(owner.token, name), 503, "database_unavailable");
    expect(await orgsNamed(name)).toBe(0);
  });

  it("once the database answers again, the same app serves at once", async () => {
    const owner = await person();
    const name = `Back ${crypto.randomUUID()}`;
    await setOutage("error");
    await expectProblem(await createOrg(owner.token, name), 503, "database_unavailable");
    await setOutage("false");
    expect((await createOrg(owner.token, name)).status).toBe(201);
    expect(await orgsNamed(name)).toBe(1);
  });
});
