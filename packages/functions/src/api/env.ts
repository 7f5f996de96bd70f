import type { Logger } from "@aws-lambda-powertools/logger";
import type { Principal } from "@connvault/core";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiServices } from "../composition.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    services: ApiServices;
    logger: Logger;
    principal: Principal;
  };
}

export type App = OpenAPIHono<AppEnv>;
