import { defineConfig } from "vitest/config";

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], ...extra },
});

// `npm test` runs unit, api and integration; conformance (moto, DynamoDB Local, schemathesis) is opt-in
// locally with `npm run test:conformance` and always runs in CI.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    // The AWS SDK is pinned, so its notice about future releases needing Node 22 is noise in tests.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    hookTimeout: 30_000,
    projects: [project("unit"), project("api"), project("integration")],
  },
});
