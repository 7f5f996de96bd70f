import { createCustomResourceServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { lazyCustomResourceHandler } from "./custom-resource.ts";

/** The CloudFormation custom resource provider behind `Custom::Connection` (its ServiceToken). */
export const handler = lazyCustomResourceHandler(() => createCustomResourceServices(loadConfig()));
