import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { synth } from "../infra/synth.ts";
import { deployment, stageRoutesNotCreatedBefore } from "./deployment.ts";

// The order the Pulumi engine creates resources in follows their dependencies, not the order the
// program registers them: API Gateway needs every route a stage's RouteSettings name to exist first.

const secrets = { RootApiKey: `cvk_${"x".repeat(43)}` };
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** An HTTP API whose stage throttles one route, with or without the stage depending on it. */
async function throttledApi(dependsOnRoute: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "connvault-deploy-order-"));
  dirs.push(dir);
  await mkdir(join(dir, "fn"));
  await writeFile(join(dir, "fn", "index.mjs"), "export const handler = async () => ({});\n");
  await writeFile(
    join(dir, "sst.config.ts"),
    `export default $config({
  app() {
    return { name: "order", home: "aws", removal: "remove" };
  },
  async run() {
    let created: (routes: $util.Input<$util.Resource>[]) => void = () => undefined;
    const routes = new Promise<$util.Input<$util.Resource>[]>((resolve) => { created = resolve; });
    const api = new sst.aws.ApiGatewayV2("Api", {
      transform: {
        stage: (args, opts) => {
          ${dependsOnRoute ? "opts.dependsOn = routes;" : ""}
          args.routeSettings = [{ routeKey: "POST /things", throttlingRateLimit: 1, throttlingBurstLimit: 1 }];
        },
      },
    });
    const fn = new sst.aws.Function("Fn", { bundle: "fn", handler: "index.handler" });
    created([api.route("POST /things", fn.arn).nodes.route]);
  },
});
`,
  );
  return join(dir, "sst.config.ts");
}

describe("the HTTP API stage", () => {
  it("is created after every route its routeSettings name (else the first deploy fails)", async () => {
    const d = deployment(await synth({ stage: "ci", secrets }));
    expect(Object.keys(d.stage.routeThrottles).length).toBeGreaterThan(0);
    expect(stageRoutesNotCreatedBefore(d.synth)).toEqual([]);
  });

  it("check: flags a stage that names a route it does not depend on, and passes once it does", async () => {
    const order = async (dependsOnRoute: boolean) =>
      stageRoutesNotCreatedBefore(await synth({ configPath: await throttledApi(dependsOnRoute) }));
    expect(await order(false)).toEqual(["POST /things"]);
    expect(await order(true)).toEqual([]);
  });
});
