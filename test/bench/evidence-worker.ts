/**
 * The bench worker's evidence routes (P14), the baselines of `npm run bench -- evidence`:
 * - `PUT /evidence/direct/<name>`: the body straight into R2 (`put` of the request's own
 *   stream), what an upload would cost without the app's checks;
 * - `GET /evidence/direct/<name>`: the object straight from R2;
 * - `GET /evidence/sign?n=N&blocks=B`: B times in turn, N download URLs signed and
 *   verified (as the app issues and checks them), then nothing, each between two fences;
 *   answers every block's milliseconds.
 */
import { getConfig, type Bindings } from "../../src/env";
import { fileUrl, verifyFileUrl } from "../../src/modules/files/files.urls";

const PREFIX = "/evidence/direct/";

/** Lets workerd's clock catch up and reads it (see worker.ts). */
async function fence(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return performance.now();
}

async function signAndVerify(url: URL, env: Bindings): Promise<Response> {
  const n = Math.min(Number(url.searchParams.get("n") ?? "1000"), 100_000);
  const blocks = Math.min(Number(url.searchParams.get("blocks") ?? "12"), 1000);
  const config = getConfig(env);
  if (!config.ok) return new Response("bad config", { status: 500 });
  const target = { orgId: crypto.randomUUID(), recordId: crypto.randomUUID(), versionId: crypto.randomUUID() };
  const actor = { kind: "user", id: crypto.randomUUID(), aal: "aal2" } as const;
  let refused = 0;
  const run = async (): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const signed = await fileUrl(config.value, "GET", target, actor, Math.floor(Date.now() / 1000) + 300);
      const cut = signed.indexOf("?");
      if (!(await verifyFileUrl(config.value, "GET", signed.slice(0, cut), signed.slice(cut + 1), Date.now())).ok) refused++;
    }
  };
  await run(); // warm-up: key import (once per secret), JIT
  refused = 0;
  const signMs: number[] = [];
  const emptyMs: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const t0 = await fence();
    await run();
    const t1 = await fence();
    const t2 = await fence();
    signMs.push(t1 - t0);
    emptyMs.push(t2 - t1);
  }
  return Response.json({ n, blocks, refused, signMs, emptyMs });
}

/** The answer to an `/evidence/…` request of the bench worker. */
export async function evidenceBench(request: Request, url: URL, env: Bindings): Promise<Response> {
  if (url.pathname === "/evidence/sign") return signAndVerify(url, env);
  if (!url.pathname.startsWith(PREFIX)) return new Response("not found", { status: 404 });
  const key = `bench/${url.pathname.slice(PREFIX.length)}`;
  if (request.method === "PUT") {
    if (request.body === null) return new Response("no body", { status: 400 });
    const stored = await env.EVIDENCE.put(key, request.body);
    return Response.json({ size: stored?.size ?? null });
  }
  if (request.method === "DELETE") {
    await env.EVIDENCE.delete(key);
    return new Response(null, { status: 204 });
  }
  const object = await env.EVIDENCE.get(key);
  if (object === null) return new Response("not found", { status: 404 });
  // The app's headers that matter to the transfer: a PDF's type (without one, the dev server gzips the bytes).
  return new Response(object.body, { headers: { "content-type": "application/pdf", "content-length": String(object.size) } });
}
