export { createApp } from "./api/app.ts";
export type { App, AppEnv } from "./api/env.ts";
export { createServices, type ServiceOverrides, type Services } from "./composition.ts";
export { type Config, loadConfig } from "./config.ts";
export { createLogger, redact } from "./logger.ts";
export { createOAuthApp } from "./oauth/app.ts";
export { createResolver, type ResolveResult } from "./resolver/resolver.ts";
