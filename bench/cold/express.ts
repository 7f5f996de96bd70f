import { DomainError, etagOf } from "@connvault/core";
import express, { type NextFunction, type Request, type Response } from "express";
import serverless from "serverless-http";
import { statusOf } from "../../packages/functions/src/api/problems.ts";
import { createApiServices } from "../../packages/functions/src/composition.ts";
import { loadConfig } from "../../packages/functions/src/config.ts";
import { toConnectionDto } from "../../packages/functions/src/connection-view.ts";

/**
 * The same route on Express + serverless-http, as many teams would write it: connvault's own
 * services (configuration, SDK clients, API-key check, the connection read and its public view)
 * behind Express instead of Hono and @hono/zod-openapi, with an access log line and problem+json
 * errors. Only the HTTP layer differs from connvault's api function.
 */
const services = createApiServices(loadConfig());
const app = express();
app.use(express.json({ limit: "256kb" }));
app.use((req, res, next) => {
  const started = performance.now();
  res.on("finish", () =>
    services.logger.info("request", {
      method: req.method,
      path: req.path,
      status: res.statusCode,
      duration_ms: Math.round(performance.now() - started),
    }),
  );
  next();
});
app.use(async (req, res, next) => {
  const key = req.headers.authorization?.match(/^(?:Bearer\s+)?(cvk_\S+)\s*$/i)?.[1];
  res.locals.principal = await services.apiKeys.authenticate(key);
  next();
});
app.get("/v1/connections/:id", async (req, res) => {
  const record = await services.connections.get(res.locals.principal, String(req.params.id));
  res.setHeader("etag", etagOf(record));
  res.json(toConnectionDto(record, () => ""));
});
app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
  const status = error instanceof DomainError ? statusOf(error.code) : 500;
  res.status(status).type("application/problem+json").json({ status, title: error.message });
});

export const handler = serverless(app);
