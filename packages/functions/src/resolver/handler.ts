import { createResolverServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createResolverHandler } from "./resolver.ts";

/** The resolver Lambda: invoked with IAM (lambda:InvokeFunction), never over HTTP. */
export const handler = createResolverHandler(createResolverServices(loadConfig()));
