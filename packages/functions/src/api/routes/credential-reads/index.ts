import { CredentialRead, ListCredentialReadsQuery } from "@connvault/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env.ts";
import { errorResponses } from "../../problems.ts";

const route = createRoute({
  method: "get",
  path: "/v1/credential-reads",
  tags: ["Credential reads"],
  summary: "List credential reads (admin)",
  description: `Every time the resolver hands a connection's credentials to the platform's executor, connvault records
who (the user id the executor acted for), when, which connection and why — never the value. Newest first.`,
  request: { query: ListCredentialReadsQuery },
  responses: {
    200: {
      description: "A page of reads",
      content: {
        "application/json": {
          schema: z.object({
            data: z.array(CredentialRead.meta({ id: "CredentialRead" })),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 422, 429, 503),
  },
});

export const registerCredentialReads = (app: App) =>
  app.openapi(route, async (c) =>
    c.json(await c.get("services").credentialReads.list(c.get("principal"), c.req.valid("query")), 200),
  );
