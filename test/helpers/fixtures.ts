import { test } from "vitest";
import { createOrganization, type Harness, startHarness, type TestOrganization } from "./harness.ts";

interface HarnessFixtures {
  h: Harness;
  /** A new organization for each test that asks for one. */
  org: TestOrganization;
  /** The harness's app on a loopback HTTP server, for clients that need a socket; as long-lived as `h`. */
  server: { url: string; close(): Promise<void> };
}

/**
 * `it` with a harness, closed after its scope, a new organization a test, and on demand an HTTP
 * server. One harness serves a whole file (starting one is what takes the time) unless
 * `scope: "test"` asks for a backend a test.
 */
export function harnessTest({
  scope = "file",
  ...options
}: NonNullable<Parameters<typeof startHarness>[0]> & { scope?: "file" | "test" } = {}) {
  return test.extend<HarnessFixtures>({
    h: [
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
      async ({}, use) => {
        const h = await startHarness(options);
        await use(h);
        await h.close();
      },
      { scope },
    ],
    org: async ({ h }, use) => use(await createOrganization(h)),
    server: [
      async ({ h }, use) => {
        const server = await h.listen();
        await use(server);
        await server.close();
      },
      { scope },
    ],
  });
}

/** `it` with a harness a file and an organization a test. */
export const it = harnessTest();
