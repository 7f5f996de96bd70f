import { fieldErrors, validationSummary } from "@connvault/core";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiServices } from "../composition.ts";
import { registerDocs } from "./docs.ts";
import type { App, AppEnv } from "./env.ts";
import { RouteNotFoundError } from "./http-errors.ts";
import { knownRoutesOnly } from "./methods.ts";
import { authenticate } from "./middleware/auth.ts";
import { jsonBodies } from "./middleware/body.ts";
import { accessLog, requestContext } from "./middleware/context.ts";
import { normalPathsOnly } from "./middleware/paths.ts";
import { rateLimitFailedAuthentication, rateLimitPerKey } from "./middleware/rate-limit.ts";
import { noStore, securityHeaders } from "./middleware/security.ts";
import { handleError, problem } from "./problems.ts";
import { registerApiKeys } from "./routes/api-keys/index.ts";
import { registerAudit } from "./routes/audit/index.ts";
import { registerConnectSessions } from "./routes/connect-sessions/index.ts";
import { registerConnections } from "./routes/connections/index.ts";
import { registerConnectors } from "./routes/connectors/index.ts";
import { registerHealth } from "./routes/health/index.ts";
import { registerMe } from "./routes/me/index.ts";
import { registerOrganizations } from "./routes/organizations/index.ts";
import { registerUnified } from "./routes/unified/index.ts";

const API_DESCRIPTION = `connvault binds connectors to write-only credentials and settings, per organization and per user.
Credentials (\`security\`, \`headers\`) go to AWS Secrets Manager; responses carry only the secret's ARN.
Authenticate with \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`. Errors are RFC 9457 problem+json.`;

/** Builds the HTTP API over the given services; no module-level side effects. */
export function createApp(services: ApiServices): App {
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = fieldErrors(result.error.issues);
      return problem(c, "validation_failed", validationSummary(errors), errors);
    },
  });
  const { rateLimitPerSecond } = services.config;
  const rateLimit = rateLimitPerKey(rateLimitPerSecond, rateLimitPerSecond * 2);
  // Failed authentications: 10 a second per source address (bursts of 20), off with the per-key limit.
  const guessing = rateLimitFailedAuthentication(rateLimitPerSecond > 0 ? 10 : 0, 20);
  app.use(...requestContext(services), accessLog, securityHeaders, noStore, normalPathsOnly);
  app.use("/v1/*", guessing, authenticate, rateLimit);
  app.use("/unified/*", guessing, authenticate, rateLimit);
  // After authentication, so an anonymous caller learns nothing; before bodies are read.
  app.use(
    knownRoutesOnly(() => app.routes),
    ...jsonBodies,
  );

  registerHealth(app);
  registerOrganizations(app);
  registerApiKeys(app);
  registerMe(app);
  registerConnectors(app);
  registerConnections(app);
  registerConnectSessions(app);
  registerUnified(app);
  registerAudit(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  // The server is where this document was fetched from (or CONNVAULT_PUBLIC_URL), so copied samples work.
  const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: { title: "connvault", version: "0.1.0", description: API_DESCRIPTION },
    servers: [{ url: services.config.publicUrl ?? new URL(c.req.url).origin }],
    security,
  }));
  registerDocs(app, services.config.docsScriptPath);

  app.notFound((c) => {
    throw RouteNotFoundError.of(c.req);
  });
  app.onError(handleError);
  return app;
}
