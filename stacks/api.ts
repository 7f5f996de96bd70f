import { writeOnlySecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/**
 * Routes that write secrets are throttled below Secrets Manager's 50 writes/s per account and
 * region; everything else shares the stage default.
 */
const SECRET_WRITES = {
  "POST /v1/connectors/{connector_id}/connections": 40,
  "POST /v1/connectors/{connector_id}/connect": 40,
  "PUT /v1/connections/{id}/credentials": 40,
  "POST /unified/connection": 40,
} as const;

export const api = new sst.aws.ApiGatewayV2("HttpApi", {
  transform: {
    stage: (args) => {
      args.defaultRouteSettings = { throttlingRateLimit: 500, throttlingBurstLimit: 1000 };
      args.routeSettings = Object.entries(SECRET_WRITES).map(([routeKey, rate]) => ({
        routeKey,
        throttlingRateLimit: rate,
        throttlingBurstLimit: rate,
      }));
    },
  },
});

export const apiFunction = new sst.aws.Function(
  "Api",
  connvaultFunction("api", {
    memory: "1024 MB",
    timeout: "29 seconds",
    permissions: [tableAccess, ...writeOnlySecrets],
    environment: { CONNVAULT_DOCS_SCRIPT: "scalar.js" },
  }),
);

api.route("$default", apiFunction.arn);
for (const route of Object.keys(SECRET_WRITES)) api.route(route, apiFunction.arn);
