/** Stage 3 units: the method index behind 404/405, and the body stages' edge cases. */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { buildMethodIndex } from "../../src/pipeline/request";
import { expectProblem } from "../helpers/expect";
import { probeApp } from "../helpers/probe-module";
import { callApp } from "../helpers/worker";

describe("method index", () => {
  const index = buildMethodIndex([
    { method: "ALL", path: "*" },
    { method: "GET", path: "/v1/orgs/:org" },
    { method: "DELETE", path: "/v1/orgs/:org" },
    { method: "PATCH", path: "/v1/orgs/me" },
    { method: "POST", path: "/v1/orgs" },
  ]);

  it("lists every method of a path, HEAD with GET, sorted", () => {
    expect(index.allowFor("/v1/orgs/123")).toBe("DELETE, GET, HEAD");
  });

  it("merges the methods of every pattern matching the path", () => {
    expect(index.allowFor("/v1/orgs/me")).toBe("DELETE, GET, HEAD, PATCH");
  });

  it("ignores middleware (`ALL`) registrations, which are not routes", () => {
    expect(index.allowFor("/anything")).toBeUndefined();
  });

  it("knows nothing about paths no route has", () => {
    expect(index.allowFor("/v1/orgs/123/members")).toBeUndefined();
  });

  it("is built from the real app's routes", async () => {
    const app = await createApp().loadAll();
    const built = buildMethodIndex(app.routes);
    expect(built.allowFor("/readyz")).toBe("GET, HEAD");
    expect(built.allowFor("/docs/assets/x")).toBe("GET, HEAD");
  });
});

describe("body stages", () => {
  const json = { "content-type": "application/json" };

  it("treats an empty body on a JSON route as invalid JSON", async () => {
    const { app, state } = probeApp();
    await expectProblem(await callApp(app, "/__probe/echo", { method: "POST", headers: json }), 400, "invalid_json");
    expect(state.calls).toBe(0);
  });

  it("accepts the media type case-insensitively, with a UTF-8 charset", async () => {
    const { app } = probeApp();
    const response = await callApp(app, "/__probe/echo", {
      method: "POST",
      headers: { "content-type": 'Application/JSON; Charset="UTF-8"' },
      body: JSON.stringify({ name: "n", count: 0 }),
    });
    expect(response.status).toBe(200);
  });

  it("accepts a streamed body under the limit", async () => {
    const { app } = probeApp();
    const bytes = new TextEncoder().encode(JSON.stringify({ name: "streamed", count: 3 }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 5));
        controller.enqueue(bytes.slice(5));
        controller.close();
      },
    });
    const response = await callApp(app, "/__probe/echo", { method: "POST", headers: json, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: { name: "streamed", count: 3 } });
  });

  it.each([
    ["/__probe/items/not-a-uuid", ["path:id"]],
    ["/__probe/items/0d8f3c9e-8a5b-4c59-9f3e-2a1b3c4d5e6f?limit=500", ["query:limit"]],
    // Each part is validated in turn (query, then path, then body): the first invalid part is reported.
    ["/__probe/items/not-a-uuid?limit=0", ["query:limit"]],
  ])("lists path and query errors with where they are (%s)", async (target, expected) => {
    const { app } = probeApp();
    const problem = await expectProblem(await callApp(app, target), 422, "validation_failed");
    expect((problem.errors ?? []).map((e) => `${e.in}:${e.path}`)).toEqual(expected);
  });

  it("caps the number of listed field errors", async () => {
    const { app } = probeApp();
    const body = JSON.stringify({ name: "n", count: 1, tags: Array.from({ length: 5 }, () => "x".repeat(11)) });
    const problem = await expectProblem(
      await callApp(app, "/__probe/echo", { method: "POST", headers: json, body }),
      422,
      "validation_failed",
    );
    expect(problem.errors?.length).toBe(5);
  });
});
