import type { Logger } from "@aws-lambda-powertools/logger";
import type { Principal } from "@connvault/core";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Services } from "../composition.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    services: Services;
    logger: Logger;
    principal: Principal;
  };
}

export type App = OpenAPIHono<AppEnv>;
