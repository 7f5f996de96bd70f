import { z } from "zod";
import { userId } from "../api-keys/api-key.ts";

/** An SQS provisioning message: the HTTP operation, its body, and the idempotency key. */
export const ProvisioningMessage = z.strictObject({
  action: z.enum(["create", "update", "rotate_credentials", "delete"]),
  idempotency_key: z.string().min(1).max(255),
  organization_id: z.string().min(1).max(64),
  actor_user_id: userId,
  connector_id: z.string().min(1).max(64).optional(),
  connection_id: z.string().min(1).max(64).optional(),
  body: z.unknown().optional(),
});
export type ProvisioningMessage = z.output<typeof ProvisioningMessage>;
