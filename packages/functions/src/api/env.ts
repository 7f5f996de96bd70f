import type { Logger } from "@aws-lambda-powertools/logger";
import type { ApiKeyService, Principal } from "@connvault/core";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiServices } from "../composition.ts";
import type { Config } from "../config.ts";

/** What every HTTP function's services hold: the request context and access log need no more. */
export interface PageServices {
  config: Config;
  logger: Logger;
}

/** What the HTTP functions that authenticate API keys (the api's and the proxy's) share. */
export interface HttpServices extends PageServices {
  apiKeys: ApiKeyService;
}

/** The variables of an HTTP function's requests; middleware shared by the api and the proxy types against the base. */
export interface HttpEnv<S extends PageServices = HttpServices> {
  Variables: {
    requestId: string;
    services: S;
    logger: Logger;
    principal: Principal;
  };
}

export type AppEnv = HttpEnv<ApiServices>;

export type App = OpenAPIHono<AppEnv>;
