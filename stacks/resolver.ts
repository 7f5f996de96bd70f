import { resolverSecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/**
 * The credential resolver for the platform's executor: invoked with lambda:InvokeFunction only. It
 * has no URL and no route; grant `lambda:InvokeFunction` on its ARN to the executor's role.
 */
export const resolverFunction = new sst.aws.Function(
  "Resolver",
  connvaultFunction("resolver", { permissions: [tableAccess, ...resolverSecrets] }),
);
