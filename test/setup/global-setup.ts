/**
 * Starts the stand-ins once for the whole test run, in front of the real Postgres
 * and Redis when DATABASE_URL / REDIS_URL are set (CI), or embedded ones when not.
 * When real backends are used, an embedded pair is started too, so the stand-in
 * conformance suites run against both backends in the same run.
 */
import type { TestProject } from "vitest/node";
import { startMigratedNeonGateway, startStack, type Stack } from "../stack/launcher.ts";
import { startUpstashGateway } from "../stack/upstash-gateway/index.ts";
import { generateSecrets } from "../stack/secrets.ts";
import type { ConformanceTargets } from "./provided.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const secrets = await generateSecrets();
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || undefined;
  const closers: (() => Promise<void>)[] = [];

  const stack: Stack = await startStack({
    databaseUrl,
    redisUrl,
    upstashToken: secrets.UPSTASH_REDIS_REST_TOKEN,
    resendApiKey: secrets.RESEND_API_KEY,
    bankClientSecret: secrets.BANK_CLIENT_SECRET,
  });
  closers.push(() => stack.close());

  const targets: ConformanceTargets = {
    neon: [
      {
        backend: stack.neon.backend,
        httpEndpoint: stack.neon.httpEndpoint,
        wsProxy: stack.neon.wsProxy,
        connectionString: stack.neon.connectionString,
        appConnectionString: stack.appConnectionString,
        controlUrl: stack.neon.url,
      },
    ],
    upstash: [{ backend: stack.upstash.backend, url: stack.upstash.url, token: secrets.UPSTASH_REDIS_REST_TOKEN }],
  };
  if (databaseUrl) {
    const { gateway: embedded, appConnectionString } = await startMigratedNeonGateway({ port: 0 });
    closers.push(() => embedded.close());
    targets.neon.push({
      backend: embedded.backend,
      httpEndpoint: embedded.httpEndpoint,
      wsProxy: embedded.wsProxy,
      connectionString: embedded.connectionString,
      appConnectionString,
      controlUrl: embedded.url,
    });
  }
  if (redisUrl) {
    const embedded = await startUpstashGateway({ token: secrets.UPSTASH_REDIS_REST_TOKEN, port: 0 });
    closers.push(() => embedded.close());
    targets.upstash.push({ backend: embedded.backend, url: embedded.url, token: secrets.UPSTASH_REDIS_REST_TOKEN });
  }

  project.provide("workerVars", {
    ...stack.workerVars(),
    ...secrets,
    APP_ENV: "test",
  });
  project.provide("stack", {
    neonControlUrl: stack.neon.url,
    upstashControlUrl: stack.upstash.url,
    resendControlUrl: stack.resend.url,
    hibpControlUrl: stack.hibp.url,
    turnstileControlUrl: stack.turnstile.url,
    bankControlUrl: stack.bank.url,
  });
  project.provide("conformance", targets);

  return async () => {
    for (const close of closers.reverse()) await close();
  };
}
