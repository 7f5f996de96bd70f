import { handle } from "hono/aws-lambda";
import { createApiServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createApp } from "./app.ts";

/** The api Lambda: API Gateway HTTP API (payload v2) → Hono. Built once per container. */
export const handler = handle(createApp(createApiServices(loadConfig())));
