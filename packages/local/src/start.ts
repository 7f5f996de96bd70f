import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { bootLocal } from "./boot.ts";
import { ensureRootKey } from "./root-key.ts";

const port = Number(process.env.PORT ?? 8787);
const edgePort = Number(process.env.CONNVAULT_EDGE_PORT ?? 4566);
const dataDir = resolve(process.env.CONNVAULT_DATA_DIR ?? ".data");

// The AWS SDK is pinned (package-lock.json), so its notice that releases after January 2027 need Node 22
// does not apply to this install; the README says which Node lines connvault supports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// The proxy's CloudWatch metrics (EMF lines) would interleave with this terminal's output; opt in with false.
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
const root = ensureRootKey(dataDir, process.env.CONNVAULT_ROOT_API_KEY);
const stack = await bootLocal({ edgePort, dataDir, rootApiKey: root.key, env: process.env });
const server = serve({ fetch: stack.fetch, port, hostname: "127.0.0.1" }, (info) => {
  const api = `http://127.0.0.1:${info.port}`;
  console.log(`connvault is running on the embedded backend (data in ${dataDir})
  Docs     ${api}/docs  (start here: every route, with requests you can send)
  API      ${api}/v1
  OpenAPI  ${api}/openapi.json
  AWS edge ${stack.edge.url}  (DynamoDB, Secrets Manager, EventBridge)
  Root key ${root.generated ? `${root.key}  (generated; kept in ${dataDir}/root-api-key)` : "(from CONNVAULT_ROOT_API_KEY or the data folder)"}`);
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await new Promise((done) => server.close(done));
  await stack.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
