import { lambdaOnlyTrust, rootApiKey, settings } from "./api";
import { resolverSecrets } from "./credentials";
import { tableAccess } from "./storage";

/**
 * The credential resolver for the platform's executor: invoked with lambda:InvokeFunction only. It
 * has no URL and no route; grant `lambda:InvokeFunction` on its ARN to the executor's role.
 */
export const resolverFunction = new sst.aws.Function("Resolver", {
  bundle: "dist/functions/resolver",
  handler: "index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "30 seconds",
  link: [settings, rootApiKey],
  permissions: [tableAccess, ...resolverSecrets],
  transform: { role: lambdaOnlyTrust },
});
