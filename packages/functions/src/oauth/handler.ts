import { handle } from "hono/aws-lambda";
import { createOAuthServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createOAuthApp } from "./app.ts";

/** The oauth Lambda: API Gateway routes `/oauth2/*` → the browser flow. Built once per container. */
export const handler = handle(createOAuthApp(createOAuthServices(loadConfig())));
