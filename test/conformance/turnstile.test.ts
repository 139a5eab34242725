/**
 * The Turnstile siteverify stand-in answers what the worker will send it, from inside
 * workerd: Cloudflare's documented test secrets behave as documented, missing and
 * oversized fields get the real error codes, form, JSON and multipart bodies are
 * read alike, and every request is kept (secret redacted) for tests to inspect.
 */
import { describe, expect, inject, it } from "vitest";
import { MAX_RESPONSE_LENGTH, SITEVERIFY_PATH, TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRETS } from "../stack/turnstile/keys";

const { turnstileControlUrl } = inject("stack");
const workerVars = inject("workerVars");
const verifyUrl = workerVars.TURNSTILE_VERIFY_URL ?? "";

type Fields = Record<string, string>;

interface Kept {
  receivedAt: string;
  secret?: string;
  response?: string;
  remoteip?: string;
  idempotency_key?: string;
  contentType: string;
  status: number;
  success: boolean;
  errorCodes: string[];
}

const verifyForm = (fields: Fields): Promise<Response> => fetch(verifyUrl, { method: "POST", body: new URLSearchParams(fields) });

const verifyJson = (fields: unknown): Promise<Response> =>
  fetch(verifyUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fields) });

/** The JSON answer of a siteverify call, after checking it is a 200 with a JSON body. */
async function answer(res: Response): Promise<Record<string, unknown>> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json<Record<string, unknown>>();
}

const failure = (...codes: string[]): Record<string, unknown> => ({ success: false, "error-codes": codes, messages: [] });

async function kept(): Promise<Kept[]> {
  return (await fetch(`${turnstileControlUrl}/__rampart/requests`)).json<Kept[]>();
}

describe("Turnstile siteverify stand-in", () => {
  it("is the worker's TURNSTILE_VERIFY_URL, and no secret key is set so Turnstile stays off", () => {
    expect(verifyUrl).toBe(`${turnstileControlUrl}${SITEVERIFY_PATH}`);
    expect(workerVars.TURNSTILE_SECRET_KEY).toBeUndefined();
  });

  it("passes any token with the always-pass test secret, in the real success shape", async () => {
    const body = await answer(await verifyForm({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN }));
    const { challenge_ts: issuedAt, ...rest } = body;
    expect(rest).toEqual({
      success: true,
      "error-codes": [],
      hostname: "localhost",
      action: "",
      cdata: "",
      metadata: { interactive: false },
    });
    expect(typeof issuedAt).toBe("string");
    expect(new Date(String(issuedAt)).toISOString()).toBe(issuedAt);
  });

  it("fails any token with the always-fail test secret as invalid-input-response", async () => {
    const body = await answer(await verifyForm({ secret: TURNSTILE_TEST_SECRETS.fail, response: TURNSTILE_DUMMY_TOKEN }));
    expect(body).toEqual(failure("invalid-input-response"));
  });

  it("answers timeout-or-duplicate (token already spent) with the third test secret", async () => {
    const body = await answer(await verifyForm({ secret: TURNSTILE_TEST_SECRETS.spent, response: TURNSTILE_DUMMY_TOKEN }));
    expect(body).toEqual(failure("timeout-or-duplicate"));
  });

  it("refuses any other secret as invalid-input-secret", async () => {
    const body = await answer(await verifyForm({ secret: "0x4AAAAAAAproductionSecretKey", response: TURNSTILE_DUMMY_TOKEN }));
    expect(body).toEqual(failure("invalid-input-secret"));
  });

  it.each([{}, { secret: "" }])("answers missing-input-secret when the secret is missing (%j)", async (secret) => {
    const body = await answer(await verifyForm({ ...secret, response: TURNSTILE_DUMMY_TOKEN }));
    expect(body).toEqual(failure("missing-input-secret"));
  });

  it.each([{}, { response: "" }])("answers missing-input-response when the token is missing (%j)", async (response) => {
    const body = await answer(await verifyForm({ secret: TURNSTILE_TEST_SECRETS.pass, ...response }));
    expect(body).toEqual(failure("missing-input-response"));
  });

  it("refuses a token longer than 2048 characters as invalid-input-response, even with the always-pass secret", async () => {
    const secret = TURNSTILE_TEST_SECRETS.pass;
    expect(await answer(await verifyForm({ secret, response: "x".repeat(MAX_RESPONSE_LENGTH + 1) }))).toEqual(
      failure("invalid-input-response"),
    );
    expect(await answer(await verifyForm({ secret, response: "x".repeat(MAX_RESPONSE_LENGTH) }))).toMatchObject({ success: true });
  });

  it("reads a JSON body like a form body", async () => {
    expect(await answer(await verifyJson({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN }))).toMatchObject({
      success: true,
    });
    expect(await answer(await verifyJson({ secret: TURNSTILE_TEST_SECRETS.fail, response: TURNSTILE_DUMMY_TOKEN }))).toEqual(
      failure("invalid-input-response"),
    );
    expect(await answer(await verifyJson({ response: TURNSTILE_DUMMY_TOKEN }))).toEqual(failure("missing-input-secret"));
  });

  it("reads a multipart form body, as Cloudflare's own FormData example sends", async () => {
    const form = new FormData();
    form.append("secret", TURNSTILE_TEST_SECRETS.pass);
    form.append("response", TURNSTILE_DUMMY_TOKEN);
    expect(await answer(await fetch(verifyUrl, { method: "POST", body: form }))).toMatchObject({ success: true });
  });

  it.each([
    ["malformed JSON", "application/json", "{not json"],
    ["a JSON array", "application/json", "[]"],
    ["a JSON secret that is not a string", "application/json", '{"secret": 1, "response": "x"}'],
    ["an unsupported content type", "text/plain", "secret=x&response=y"],
  ])("answers %s with 400 bad-request", async (_name, contentType, body) => {
    const res = await fetch(verifyUrl, { method: "POST", headers: { "content-type": contentType }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ success: false, "error-codes": ["bad-request"] });
  });

  it("keeps each request with its remoteip and idempotency key, the secret redacted to 2 characters", async () => {
    const token = `token-${crypto.randomUUID()}`;
    const idempotencyKey = crypto.randomUUID();
    await answer(
      await verifyForm({ secret: TURNSTILE_TEST_SECRETS.pass, response: token, remoteip: "203.0.113.7", idempotency_key: idempotencyKey }),
    );
    const jsonToken = `token-${crypto.randomUUID()}`;
    await answer(await verifyJson({ secret: TURNSTILE_TEST_SECRETS.fail, response: jsonToken, remoteip: "2001:db8::1" }));

    const all = await kept();
    const { receivedAt, contentType, ...formRecord } = all.find((r) => r.response === token) ?? { receivedAt: "", contentType: "" };
    expect(Date.parse(receivedAt)).not.toBeNaN();
    expect(contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(formRecord).toEqual({
      secret: "1x",
      response: token,
      remoteip: "203.0.113.7",
      idempotency_key: idempotencyKey,
      status: 200,
      success: true,
      errorCodes: [],
    });
    expect(all.find((r) => r.response === jsonToken)).toMatchObject({
      secret: "2x",
      remoteip: "2001:db8::1",
      success: false,
      errorCodes: ["invalid-input-response"],
    });
    expect(JSON.stringify(all)).not.toContain(TURNSTILE_TEST_SECRETS.pass);
  });

  it("counts siteverify requests in its stats but not control requests", async () => {
    const before = await (await fetch(`${turnstileControlUrl}/__rampart/stats`)).json<{ httpRequests: number }>();
    await answer(await verifyForm({ secret: TURNSTILE_TEST_SECRETS.pass, response: TURNSTILE_DUMMY_TOKEN }));
    const after = await (await fetch(`${turnstileControlUrl}/__rampart/stats`)).json<{ httpRequests: number }>();
    expect(after.httpRequests).toBeGreaterThanOrEqual(before.httpRequests + 1);
  });
});
