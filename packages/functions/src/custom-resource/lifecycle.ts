import { createHash } from "node:crypto";
import {
  type ConnectionRecord,
  type ConnectionService,
  canonicalJson,
  connectionIdFor,
  isIssuedId,
  type KeyPrincipal,
  NotFoundError,
  parse,
  RotateCredentialsInput,
  UpdateConnectionInput,
  ValidationError,
} from "@connvault/core";
import type {
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from "aws-lambda";
import {
  changedFields,
  credentialsOf,
  type Desired,
  readProperties,
  settingsOf,
  tryReadProperties,
} from "./properties.ts";

/**
 * The CloudFormation lifecycle of `Custom::Connection` mapped onto connections: Create creates,
 * Update patches in place or replaces, Delete deletes. Its physical id is the connection id.
 */

/** What a request comes to, as CloudFormation is told it. */
export interface Outcome {
  status: "SUCCESS" | "FAILED";
  reason?: string;
  physicalResourceId: string;
  data: Record<string, string>;
}

const PLACEHOLDER = "failed-";

/** The request's own physical id; a Create that fails gets a placeholder that keeps its RequestId. */
export const physicalIdOf = (event: CloudFormationCustomResourceEvent) =>
  ("PhysicalResourceId" in event && event.PhysicalResourceId) || `${PLACEHOLDER}${event.RequestId}`;

/** The FAILED outcome of a request, which keeps the resource's physical id. */
export const failedOutcome = (event: CloudFormationCustomResourceEvent, reason: string): Outcome => ({
  status: "FAILED",
  reason,
  physicalResourceId: physicalIdOf(event),
  data: {},
});

const done = (record: ConnectionRecord): Outcome => ({
  status: "SUCCESS",
  physicalResourceId: record.id,
  data: { ConnectionId: record.id, AuthAwsArn: record.auth_aws_arn ?? "" },
});

const admin = (organizationId: string): KeyPrincipal => ({
  kind: "key",
  organization_id: organizationId,
  user_id: "cloudformation",
  role: "admin",
  api_key_id: "custom-resource",
});

/** CloudFormation may send a request again with the same RequestId: the key makes it converge. */
function idempotencyKey(event: CloudFormationCustomResourceEvent, requestId: string): string {
  const digest = createHash("sha256")
    .update([event.StackId, event.LogicalResourceId, requestId].join("\n"))
    .digest("base64url");
  return `cloudformation:${digest}`;
}

/**
 * Carries out one request as an admin of the organization named in the properties: whoever may
 * invoke the function (the deployment's IAM) is the authority. Throws what goes wrong.
 */
export async function perform(
  connections: ConnectionService,
  event: CloudFormationCustomResourceEvent,
): Promise<Outcome> {
  switch (event.RequestType) {
    case "Create":
      return create(connections, event, readProperties(event.ResourceProperties));
    case "Update":
      return update(connections, event);
    case "Delete":
      return remove(connections, event);
    default:
      throw ValidationError.at("RequestType", "invalid_value", "Must be Create, Update or Delete");
  }
}

async function create(
  connections: ConnectionService,
  event: CloudFormationCustomResourceEvent,
  desired: Desired,
): Promise<Outcome> {
  const { result } = await connections.create(
    admin(desired.organizationId),
    desired.connectorId,
    desired.input,
    idempotencyKey(event, event.RequestId),
  );
  return done(result);
}

async function update(
  connections: ConnectionService,
  event: CloudFormationCustomResourceUpdateEvent,
): Promise<Outcome> {
  const desired = readProperties(event.ResourceProperties);
  const old = event.OldResourceProperties ?? {};
  const replaced =
    old.OrganizationId !== event.ResourceProperties.OrganizationId ||
    old.ConnectorId !== event.ResourceProperties.ConnectorId ||
    !isIssuedId("conn", event.PhysicalResourceId);
  // A new physical id makes CloudFormation delete the old connection once the stack update succeeds.
  if (replaced) return create(connections, event, desired);

  const id = event.PhysicalResourceId;
  const principal = admin(desired.organizationId);
  // Properties that did not change are not written, so a change made through the API (a rotation,
  // a rename) stays until the template itself changes that property. Unreadable old properties
  // (a rollback from a failed update) mean everything is written.
  const previous = tryReadProperties(old);
  const patch = changedFields(settingsOf(desired.input), previous && settingsOf(previous.input));
  let record: ConnectionRecord | undefined;
  if (Object.keys(patch).length > 0) {
    record = await connections.update(principal, id, parse(UpdateConnectionInput, patch));
  }
  const credentials = credentialsOf(desired.input);
  if (
    credentials &&
    (!previous || canonicalJson(credentials) !== canonicalJson(credentialsOf(previous.input)))
  ) {
    record = await connections.rotateCredentials(principal, id, parse(RotateCredentialsInput, credentials));
  }
  return done(record ?? (await connections.get(principal, id)));
}

async function remove(
  connections: ConnectionService,
  event: CloudFormationCustomResourceDeleteEvent,
): Promise<Outcome> {
  const physicalId = event.PhysicalResourceId;
  const gone: Outcome = { status: "SUCCESS", physicalResourceId: physicalId, data: {} };
  const placeholder = physicalId.startsWith(PLACEHOLDER);
  if (!isIssuedId("conn", physicalId) && !placeholder) return gone;
  const organizationId = event.ResourceProperties.OrganizationId;
  if (!isIssuedId("org", organizationId)) {
    if (placeholder) return gone;
    throw ValidationError.at("OrganizationId", "invalid_format", "Must be an organization id (org_…)");
  }
  // A Create that failed or timed out may still have made its connection (or just its secret)
  // afterwards: its id follows from the Create's RequestId, kept in the placeholder.
  const id = placeholder
    ? connectionIdFor(organizationId, idempotencyKey(event, physicalId.slice(PLACEHOLDER.length)))
    : physicalId;
  try {
    await connections.delete(admin(organizationId), id, { force: false });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  return gone;
}
