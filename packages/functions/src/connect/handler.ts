import { handle } from "hono/aws-lambda";
import { createConnectServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createConnectApp } from "./app.tsx";

/** The connect Lambda: API Gateway routes `/connect/*` → the hosted connect page. Built once per container. */
export const handler = handle(createConnectApp(createConnectServices(loadConfig())));
