import { createProvisionerServices } from "../composition.ts";
import { loadConfig } from "../config.ts";
import { createProvisionerHandler } from "./provisioner.ts";

/** The provisioner Lambda: the provisioning SQS queue → connections. Built once per container. */
export const handler = createProvisionerHandler(createProvisionerServices(loadConfig()));
