import type { Logger } from "@aws-lambda-powertools/logger";
import type { ApiKeyService, Principal } from "@connvault/core";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiServices } from "../composition.ts";
import type { Config } from "../config.ts";

/** What the HTTP functions' shared middleware needs of their services (the api's and the proxy's). */
export interface HttpServices {
  config: Config;
  logger: Logger;
  apiKeys: ApiKeyService;
}

/** The variables of an HTTP function's requests; middleware shared by the api and the proxy types against the base. */
export interface HttpEnv<S extends HttpServices = HttpServices> {
  Variables: {
    requestId: string;
    services: S;
    logger: Logger;
    principal: Principal;
  };
}

export type AppEnv = HttpEnv<ApiServices>;

export type App = OpenAPIHono<AppEnv>;
