import { handle } from "hono/aws-lambda";
import { createProxyServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createProxyApp } from "./app.ts";

/** The proxy Lambda: API Gateway HTTP API (payload v2) → Hono. Built once per container. */
export const handler = handle(createProxyApp(createProxyServices(loadConfig())));
