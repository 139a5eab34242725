/**
 * The Resend capture server answers what the real `resend` SDK sends, from inside
 * workerd, and keeps the messages where tests (and `npm run dev`) can read them.
 */
import { describe, expect, inject, it } from "vitest";
import { Resend } from "resend";

const { resendControlUrl } = inject("stack");
const apiKey = inject("workerVars").RESEND_API_KEY ?? "";

interface Captured {
  id: string;
  to: string[];
  subject: string;
  html?: string;
}

async function captured(): Promise<Captured[]> {
  const res = await fetch(`${resendControlUrl}/__rampart/messages`);
  return res.json<Captured[]>();
}

describe("Resend capture", () => {
  it("accepts a send from the SDK, answers an id and keeps the message", async () => {
    const resend = new Resend(apiKey, { baseUrl: resendControlUrl });
    const to = `reader+${crypto.randomUUID()}@example.org`;
    const { data, error } = await resend.emails.send({
      from: "Rampart <no-reply@rampart.example>",
      to,
      subject: "Verify your email",
      html: '<a href="https://app.rampart.example/verify?token=abc">verify</a>',
    });
    expect(error).toBeNull();
    expect(data?.id).toMatch(/^[0-9a-f-]{36}$/);
    const kept = (await captured()).find((m) => m.id === data?.id);
    expect(kept).toMatchObject({ to: [to], subject: "Verify your email" });
    expect(kept?.html).toContain("token=abc");
  });

  it("refuses a wrong API key the way Resend does, and keeps nothing", async () => {
    const before = (await captured()).length;
    const resend = new Resend("re_wrong_key", { baseUrl: resendControlUrl });
    const { data, error } = await resend.emails.send({ from: "a@rampart.example", to: "b@example.org", subject: "x", text: "x" });
    expect(data).toBeNull();
    expect(error?.name).toBe("invalid_api_key");
    expect((await captured()).length).toBe(before);
  });

  it("rejects a message without a body as a validation error", async () => {
    const res = await fetch(`${resendControlUrl}/emails`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ from: "a@rampart.example", to: "b@example.org", subject: "no body" }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ name: "validation_error" });
  });
});
