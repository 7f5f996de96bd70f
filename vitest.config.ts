import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], ...extra },
});

// Infra tests synthesize sst.config.ts under Pulumi mocks and need the `.sst/platform` that
// `SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 npx sst install --stage ci` generates (CI runs it first).
const sstInstalled = existsSync(new URL("./.sst/platform/package.json", import.meta.url));

// The conformance suite (moto, DynamoDB Local, schemathesis) is not part of `npm test`: it needs what
// scripts/conformance/setup.sh installs, and `npm run test:conformance` sets CONNVAULT_CONFORMANCE=1.
const conformance = process.env.CONNVAULT_CONFORMANCE === "1";

// `npm test` runs unit, api and integration, plus infra once `sst install` has run.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    // The AWS SDK is pinned, so its notice about future releases needing Node 22 is noise in tests.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    hookTimeout: 30_000,
    projects: [
      project("unit"),
      project("api"),
      project("integration"),
      ...(sstInstalled ? [project("infra", { testTimeout: 60_000 })] : []),
      // The deployment simulation (test/deploy/README.md): the synthesized functions, each started from
      // its bundle alone on Node 24 with its synthesized environment, its AWS calls checked against its IAM.
      ...(sstInstalled
        ? [
            project("deploy", {
              globalSetup: ["test/deploy/global-setup.ts"],
              testTimeout: 60_000,
              hookTimeout: 150_000,
            }),
          ]
        : []),
      ...(conformance
        ? [
            project("conformance", {
              globalSetup: ["test/conformance/global-setup.ts"],
              testTimeout: 60_000,
              hookTimeout: 120_000,
            }),
          ]
        : []),
    ],
  },
});
