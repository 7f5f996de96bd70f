import { writeOnlySecrets } from "./credentials";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/**
 * The provider of `Custom::Connection` for CloudFormation (and CDK, or SST through a CloudFormation
 * stack): its ARN is the `ServiceToken`. Same write-only rights as the api function.
 */
export const customResourceFunction = new sst.aws.Function(
  "CustomResource",
  connvaultFunction("custom-resource", {
    timeout: "5 minutes",
    permissions: [tableAccess, ...writeOnlySecrets],
  }),
);
