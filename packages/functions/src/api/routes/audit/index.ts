import {
  CredentialRead,
  ListCredentialReadsQuery,
  ListProxyCallsQuery,
  ProxyCallRecord,
} from "@connvault/core";
import { createRoute, type z } from "@hono/zod-openapi";
import type { ApiServices } from "../../../composition.ts";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";
import { auditPage } from "./schema.ts";

/** One admin listing of an audit trail: its path, its words, its entry schema and the service that lists it. */
function auditRoute(
  app: App,
  trail: {
    operationId: string;
    path: string;
    tag: string;
    summary: string;
    description: string;
    query: typeof ListCredentialReadsQuery | typeof ListProxyCallsQuery;
    entry: z.ZodType;
    service: (services: ApiServices) => ApiServices["credentialReads" | "proxyCalls"];
  },
) {
  const route = createRoute({
    method: "get",
    operationId: trail.operationId,
    path: trail.path,
    tags: [trail.tag],
    summary: trail.summary,
    description: trail.description,
    request: { query: trail.query },
    responses: {
      200: {
        description: "A page, newest first",
        content: {
          "application/json": {
            schema: auditPage(trail.entry),
          },
        },
      },
      ...errorResponses("invalid_cursor", "forbidden", "validation_failed"),
    },
  });
  app.openapi(route, async (c) =>
    c.json(await trail.service(c.get("services")).list(c.get("principal"), c.req.valid("query")), 200),
  );
}

export function registerAudit(app: App) {
  auditRoute(app, {
    operationId: "listCredentialReads",
    path: "/v1/credential-reads",
    tag: "Credential reads",
    summary: "List credential reads (admin)",
    description: `Every time the resolver hands a connection's credentials to the platform's executor, connvault records
who (the user id the executor acted for), when, which connection and why — never the value. Newest first.`,
    query: ListCredentialReadsQuery,
    entry: CredentialRead.meta({ id: "CredentialRead" }),
    service: (services) => services.credentialReads,
  });
  auditRoute(app, {
    operationId: "listProxyCalls",
    path: "/v1/proxy-calls",
    tag: "Proxy",
    summary: "List calls made through connections (admin)",
    description: `Every call through \`/v1/connections/{id}/proxy/…\` (or unified.to's passthrough): who, when, which
connection, the method, host and path, the status and how long it took — never query values, headers or bodies.
Newest first.`,
    query: ListProxyCallsQuery,
    entry: ProxyCallRecord.omit({ organization_id: true }).meta({ id: "ProxyCall" }),
    service: (services) => services.proxyCalls,
  });
}
