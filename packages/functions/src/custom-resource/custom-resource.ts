import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type ConnectionRecord,
  CreateConnectionInput,
  canonicalJson,
  connectionIdFor,
  connectorId,
  DomainError,
  type KeyPrincipal,
  NotFoundError,
  parse,
  RotateCredentialsInput,
  UpdateConnectionInput,
  ValidationError,
  type ValidCreateConnectionInput,
} from "@connvault/core";
import type {
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
  Context,
} from "aws-lambda";
import type { Services } from "../composition.ts";
import { createLogger } from "../logger.ts";

export interface CustomResourceOptions {
  /** Answer FAILED this long before the Lambda would time out, so the stack never waits for an answer. */
  timeoutMarginMs?: number;
  /** Pauses before each retry of the response PUT (network error or 5xx); one retry per entry. */
  responseRetryDelaysMs?: number[];
  /** Time limit of one PUT attempt. */
  responseTimeoutMs?: number;
}

type Status = "SUCCESS" | "FAILED";
interface Outcome {
  status: Status;
  reason?: string;
  physicalResourceId: string;
  data: Record<string, string>;
}

/** The properties of `Custom::Connection`, and the core input field each one maps to. */
const FIELD_PROPERTY: Record<string, string> = {
  name: "Name",
  security: "Security",
  headers: "Headers",
  general_params: "GeneralParams",
  target_system_servers: "TargetSystemServers",
  access_scope: "AccessScope",
  is_service_account: "IsServiceAccount",
  environment: "Environment",
  external_xref: "ExternalXref",
};
const PROPERTIES = new Set(["OrganizationId", "ConnectorId", ...Object.values(FIELD_PROPERTY)]);
/** Set by CloudFormation itself (ServiceTimeout: the operation's time limit in seconds). */
const CLOUDFORMATION_PROPERTIES = new Set(["ServiceToken", "ServiceTimeout"]);
/** Domain errors that are about one property. */
const CODE_PROPERTY: Record<string, string> = { connector_not_found: "ConnectorId" };

const ORGANIZATION_ID = /^org_[0-9A-HJKMNP-TV-Z]{26}$/;
const CONNECTION_ID = /^conn_[0-9A-HJKMNP-TV-Z]{26}$/;
const PLACEHOLDER = "failed-";
const MAX_REASON = 1_500;

interface Desired {
  organizationId: string;
  connectorId: string;
  input: ValidCreateConnectionInput;
}

/**
 * The provider behind `Custom::Connection`. Every request is answered on its presigned ResponseURL
 * with SUCCESS or FAILED, including bad properties, failures and a request about to time out, so a
 * stack never waits for an answer. It acts as an admin of the organization named in the properties:
 * whoever may invoke the function (the deployment's IAM) is the authority. Reasons and logs are built
 * from error codes, messages and property paths only, never from property values.
 */
export function createCustomResourceHandler(services: Services, options: CustomResourceOptions = {}) {
  const margin = options.timeoutMarginMs ?? 5_000;
  const { logger } = services;

  const connectionData = (record: ConnectionRecord) => ({
    ConnectionId: record.id,
    AuthAwsArn: record.auth_aws_arn ?? "",
  });
  const done = (record: ConnectionRecord): Outcome => ({
    status: "SUCCESS",
    physicalResourceId: record.id,
    data: connectionData(record),
  });

  async function create(event: CloudFormationCustomResourceEvent, desired: Desired): Promise<Outcome> {
    const { result } = await services.connections.create(
      admin(desired.organizationId),
      desired.connectorId,
      desired.input,
      idempotencyKey(event, event.RequestId),
    );
    return done(result);
  }

  async function update(event: CloudFormationCustomResourceUpdateEvent): Promise<Outcome> {
    const desired = readProperties(event.ResourceProperties);
    const old = event.OldResourceProperties ?? {};
    const replaced =
      old.OrganizationId !== event.ResourceProperties.OrganizationId ||
      old.ConnectorId !== event.ResourceProperties.ConnectorId ||
      !CONNECTION_ID.test(event.PhysicalResourceId);
    // A new physical id makes CloudFormation delete the old connection once the stack update succeeds.
    if (replaced) return create(event, desired);

    const id = event.PhysicalResourceId;
    const principal = admin(desired.organizationId);
    // Properties that did not change are not written, so a change made through the API (a rotation,
    // a rename) stays until the template itself changes that property. Unreadable old properties
    // (a rollback from a failed update) mean everything is written.
    const previous = tryReadProperties(old);
    const patch = changedFields(settingsOf(desired.input), previous && settingsOf(previous.input));
    let record: ConnectionRecord | undefined;
    if (Object.keys(patch).length > 0) {
      record = await services.connections.update(principal, id, parse(UpdateConnectionInput, patch));
    }
    const credentials = credentialsOf(desired.input);
    if (
      credentials &&
      (!previous || canonicalJson(credentials) !== canonicalJson(credentialsOf(previous.input)))
    ) {
      record = await services.connections.rotateCredentials(
        principal,
        id,
        parse(RotateCredentialsInput, credentials),
      );
    }
    return done(record ?? (await services.connections.get(principal, id)));
  }

  async function remove(event: CloudFormationCustomResourceDeleteEvent): Promise<Outcome> {
    const physicalId = event.PhysicalResourceId;
    const gone: Outcome = { status: "SUCCESS", physicalResourceId: physicalId, data: {} };
    const placeholder = physicalId.startsWith(PLACEHOLDER);
    if (!CONNECTION_ID.test(physicalId) && !placeholder) return gone;
    const organizationId = event.ResourceProperties.OrganizationId;
    if (!isOrganizationId(organizationId)) {
      if (placeholder) return gone;
      throw ValidationError.at("OrganizationId", "invalid_format", "Must be an organization id (org_…)");
    }
    // A Create that failed or timed out may still have made its connection (or just its secret)
    // afterwards: its id follows from the Create's RequestId, kept in the placeholder.
    const id = placeholder
      ? connectionIdFor(organizationId, idempotencyKey(event, physicalId.slice(PLACEHOLDER.length)))
      : physicalId;
    try {
      await services.connections.delete(admin(organizationId), id, { force: false });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return gone;
  }

  async function perform(event: CloudFormationCustomResourceEvent): Promise<Outcome> {
    switch (event.RequestType) {
      case "Create":
        return create(event, readProperties(event.ResourceProperties));
      case "Update":
        return update(event);
      case "Delete":
        return remove(event);
      default:
        throw ValidationError.at("RequestType", "invalid_value", "Must be Create, Update or Delete");
    }
  }

  function failureReason(error: unknown, context: Context, secrets: string[]): string {
    if (error instanceof ValidationError && error.details.length > 0) {
      const problems = error.details.map((detail) => `${propertyPath(detail.path)}: ${detail.message}`);
      return `Invalid properties: ${problems.join("; ")}`;
    }
    if (error instanceof DomainError) {
      const property = CODE_PROPERTY[error.code];
      return `${property ? `${property}: ` : ""}${error.message} (${error.code})`;
    }
    logger.error("custom resource request failed", {
      error: scrubError(error, secrets),
      aws_request_id: context.awsRequestId,
    });
    return `Internal error; see the custom-resource function's logs for Lambda request ${context.awsRequestId}`;
  }

  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
    const secrets = credentialValues(event);
    const physicalId = physicalIdOf(event);
    const failed = (reason: string): Outcome => failedOutcome(event, reason);
    const request = {
      request_type: event.RequestType,
      stack_id: event.StackId,
      logical_resource_id: event.LogicalResourceId,
      request_id: event.RequestId,
      physical_resource_id: physicalId,
    };
    logger.info("custom resource request", request);

    const work = perform(event).catch((error: unknown) => failed(failureReason(error, context, secrets)));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () => {
          logger.warn("custom resource request timed out", request);
          resolve(
            failed(
              `Timed out before the function's time limit (Lambda request ${context.awsRequestId}); the operation may finish later, and retrying is safe`,
            ),
          );
        },
        Math.max(0, context.getRemainingTimeInMillis() - margin),
      );
    });
    const outcome = await Promise.race([work, deadline]);
    clearTimeout(timer);

    if (outcome.reason !== undefined) outcome.reason = finalReason(outcome.reason, secrets);
    else outcome.reason = `See the details in CloudWatch Log Stream: ${context.logStreamName}`;
    logger.info("custom resource response", {
      ...request,
      status: outcome.status,
      physical_resource_id: outcome.physicalResourceId,
      reason: outcome.reason,
    });
    await respond(event, outcome, context, logger, options);
  };
}

/**
 * The Lambda entry point. The services are built on the first request (once; a success is kept),
 * not at import: when the configuration or a link is broken, that request is still answered FAILED
 * from the event alone, instead of the init crashing and CloudFormation waiting out the resource's
 * ServiceTimeout (an hour by default). Configuration errors name keys, never values.
 */
export function lazyCustomResourceHandler(build: () => Services, options: CustomResourceOptions = {}) {
  let handler: ReturnType<typeof createCustomResourceHandler> | undefined;
  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
    try {
      handler ??= createCustomResourceHandler(build(), options);
    } catch (error) {
      const secrets = credentialValues(event);
      const logger = createLogger("INFO");
      logger.error("custom resource could not start", {
        error: scrubError(error, secrets),
        request_id: event.RequestId,
      });
      const message = error instanceof Error ? error.message : String(error);
      const reason = finalReason(`connvault custom resource could not start: ${message}`, secrets);
      return respond(event, failedOutcome(event, reason), context, logger, options);
    }
    return handler(event, context);
  };
}

/** The request's own physical id; a Create that fails gets a placeholder that keeps its RequestId. */
const physicalIdOf = (event: CloudFormationCustomResourceEvent) =>
  ("PhysicalResourceId" in event && event.PhysicalResourceId) || `${PLACEHOLDER}${event.RequestId}`;

const failedOutcome = (event: CloudFormationCustomResourceEvent, reason: string): Outcome => ({
  status: "FAILED",
  reason,
  physicalResourceId: physicalIdOf(event),
  data: {},
});

const finalReason = (reason: string, secrets: string[]) => scrub(reason, secrets).slice(0, MAX_REASON);

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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isOrganizationId = (value: unknown): value is string =>
  typeof value === "string" && ORGANIZATION_ID.test(value);

/** `is_service_account` → `IsServiceAccount`, `security.apiKey` → `Security.apiKey`. */
function propertyPath(path: string): string {
  const [first = "", ...rest] = path.split(".");
  return [FIELD_PROPERTY[first] ?? first, ...rest].join(".");
}

const blank = (value: unknown) => (value === "" ? undefined : value);

/** CloudFormation sends every scalar as a string. */
function toBoolean(value: unknown): unknown {
  if (value === "true") return true;
  if (value === "false") return false;
  return value;
}

/** `oauth2Token.expires_at` may be epoch seconds, which arrive as a string of digits. */
function coerceSecurity(value: unknown): unknown {
  if (!isObject(value) || !isObject(value.oauth2Token)) return value;
  const expires = value.oauth2Token.expires_at;
  if (typeof expires !== "string" || !/^\d{1,15}$/.test(expires)) return value;
  return { ...value, oauth2Token: { ...value.oauth2Token, expires_at: Number(expires) } };
}

/**
 * The resource's properties as the core create input, validated with the HTTP schema. Every problem
 * is reported at once, at its CloudFormation property path. Defaults follow HTTP, except
 * AccessScope, which defaults to organizational: the connection belongs to the deployment, not to a user.
 */
function readProperties(properties: unknown): Desired {
  if (!isObject(properties)) throw new ValidationError("ResourceProperties must be an object");
  const problems: DomainError["details"] = [];
  for (const key of Object.keys(properties)) {
    if (!PROPERTIES.has(key) && !CLOUDFORMATION_PROPERTIES.has(key)) {
      problems.push({ path: key, code: "unrecognized_keys", message: "Unknown property" });
    }
  }
  const { OrganizationId, ConnectorId } = properties;
  if (!isOrganizationId(OrganizationId)) {
    problems.push({
      path: "OrganizationId",
      code: "invalid_format",
      message: "Required: an organization id (org_…)",
    });
  }
  const connector = connectorId.safeParse(ConnectorId);
  if (!connector.success) {
    problems.push({
      path: "ConnectorId",
      code: "invalid_format",
      message: `Required: ${connector.error.issues[0]?.message ?? "a connector id"}`,
    });
  }
  const candidate = Object.fromEntries(
    Object.entries({
      name: properties.Name,
      security: coerceSecurity(properties.Security),
      headers: properties.Headers,
      general_params: properties.GeneralParams,
      target_system_servers: properties.TargetSystemServers,
      access_scope: blank(properties.AccessScope) ?? "organizational",
      is_service_account: toBoolean(blank(properties.IsServiceAccount)),
      environment: blank(properties.Environment),
      external_xref: blank(properties.ExternalXref),
    }).filter(([, value]) => value !== undefined),
  );
  let input: ValidCreateConnectionInput | undefined;
  try {
    input = parse(CreateConnectionInput, candidate);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.details);
  }
  problems.push(...unresolvedReferences(properties));
  if (problems.length > 0 || !input || !isOrganizationId(OrganizationId) || !connector.success) {
    throw new ValidationError("The properties are invalid", problems);
  }
  return { organizationId: OrganizationId, connectorId: connector.data, input };
}

function tryReadProperties(properties: unknown): Desired | null {
  try {
    return readProperties(properties);
  } catch {
    return null;
  }
}

/**
 * CloudFormation does not resolve secretsmanager or ssm-secure dynamic references in custom
 * resource properties: it passes the literal `{{resolve:…}}`, which must not become the credential.
 */
function unresolvedReferences(properties: Record<string, unknown>): DomainError["details"] {
  const found: DomainError["details"] = [];
  const visit = (value: unknown, path: string) => {
    if (typeof value === "string" && value.includes("{{resolve:")) {
      found.push({
        path,
        code: "unresolved_dynamic_reference",
        message:
          "CloudFormation does not resolve {{resolve:…}} references in custom resources; pass the value through a NoEcho parameter",
      });
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${path}.${i}`);
    } else if (isObject(value))
      for (const [key, item] of Object.entries(value)) visit(item, `${path}.${key}`);
  };
  visit(properties.Security, "Security");
  visit(properties.Headers, "Headers");
  return found;
}

/** What `update` may change, as the template states it. */
const settingsOf = (input: ValidCreateConnectionInput) => ({
  name: input.name,
  general_params: input.general_params,
  target_system_servers: input.target_system_servers,
  access_scope: input.access_scope,
  is_service_account: input.is_service_account,
  environment: input.environment,
  external_xref: input.external_xref ?? null,
});

function changedFields<T extends Record<string, unknown>>(next: T, previous: T | null): Partial<T> {
  if (!previous) return next;
  return Object.fromEntries(
    Object.entries(next).filter(([key, value]) => canonicalJson(value) !== canonicalJson(previous[key])),
  ) as Partial<T>;
}

function credentialsOf(input: ValidCreateConnectionInput) {
  if (!input.security && !input.headers) return null;
  return {
    ...(input.security ? { security: input.security } : {}),
    ...(input.headers ? { headers: input.headers } : {}),
  };
}

/**
 * The credential values a request carries, to keep them out of any reason or log line even if an
 * error message were ever to quote one. The discriminator and the header name are not secret.
 */
function credentialValues(event: CloudFormationCustomResourceEvent): string[] {
  const values = new Set<string>();
  const collect = (value: unknown, key = "") => {
    if (typeof value === "string") {
      if (value.length >= 4 && key !== "authMethod" && key !== "headerName") values.add(value);
    } else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (isObject(value)) for (const [k, item] of Object.entries(value)) collect(item, k);
  };
  const old = event.RequestType === "Update" ? event.OldResourceProperties : undefined;
  for (const properties of [event.ResourceProperties, old]) {
    if (!isObject(properties)) continue;
    collect(properties.Security);
    if (isObject(properties.Headers)) for (const value of Object.values(properties.Headers)) collect(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

const scrub = (text: string, secrets: string[]) =>
  secrets.reduce((result, secret) => result.replaceAll(secret, "[REDACTED]"), text);

function scrubError(error: unknown, secrets: string[]): Error {
  if (!(error instanceof Error)) return new Error(scrub(String(error), secrets));
  const copy = new Error(scrub(error.message, secrets));
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? "", secrets);
  return copy;
}

/** PUTs the outcome to the presigned ResponseURL, retrying a network error or 5xx while time is left. */
async function respond(
  event: CloudFormationCustomResourceEvent,
  outcome: Outcome,
  context: Context,
  logger: Logger,
  options: CustomResourceOptions,
): Promise<void> {
  const delays = options.responseRetryDelaysMs ?? [500, 1_000, 2_000, 4_000];
  const attemptTimeout = options.responseTimeoutMs ?? 10_000;
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.reason,
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: true,
    Data: outcome.data,
  });
  // Retries stop before the Lambda's own limit: past it nobody would answer at all.
  const stopAt = Date.now() + context.getRemainingTimeInMillis() - 500;
  for (let attempt = 0; ; attempt++) {
    let problem: string;
    try {
      const limit = Math.max(1_000, Math.min(attemptTimeout, stopAt - Date.now()));
      const status = await put(event.ResponseURL, body, limit);
      if (status < 300) return;
      problem = `HTTP ${status}`;
      if (status < 500) {
        // An expired or malformed presigned URL does not get better by retrying.
        logger.error("custom resource response rejected", { problem, request_id: event.RequestId });
        return;
      }
    } catch (error) {
      problem = error instanceof Error ? error.message : "network error";
    }
    logger.warn("custom resource response not delivered", { attempt: attempt + 1, problem });
    const pause = delays[attempt];
    // Thrown, so Lambda's retry of the asynchronous invocation gets another chance to answer.
    if (pause === undefined || Date.now() + pause + 1_000 > stopAt)
      throw new Error(`The response to CloudFormation was not delivered: ${problem}`);
    await sleep(pause);
  }
}

/** PUT to the presigned S3 URL the way AWS's cfn-response module does: an empty content-type. */
function put(url: string, body: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: "PUT",
        headers: { "content-type": "", "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error("The response PUT timed out")));
    request.on("error", reject);
    request.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
