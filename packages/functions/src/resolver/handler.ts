import { createResolverServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createResolver } from "./resolver.ts";

/** The resolver Lambda: invoked with IAM (lambda:InvokeFunction), never over HTTP. */
export const handler = createResolver(createResolverServices(loadConfig()));
