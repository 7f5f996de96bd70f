import {
  CreateConnectionInput,
  canonicalJson,
  connectorId,
  type DomainError,
  isIssuedId,
  parse,
  ValidationError,
  type ValidCreateConnectionInput,
} from "@connvault/core";

/**
 * Reading `Custom::Connection`'s properties: CloudFormation's strings coerced to the core create
 * input, every problem reported at its CloudFormation property path, and what an update changes.
 */

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
/** Domain errors that are about one property, by error code. */
export const CODE_PROPERTY: Record<string, string> = { connector_not_found: "ConnectorId" };

/** Whether `value` is a plain JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** What the properties ask for: the connection of `connectorId` in `organizationId`. */
export interface Desired {
  organizationId: string;
  connectorId: string;
  input: ValidCreateConnectionInput;
}

/** `is_service_account` → `IsServiceAccount`, `security.apiKey` → `Security.apiKey`. */
export function propertyPath(path: string): string {
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
export function readProperties(properties: unknown): Desired {
  if (!isObject(properties)) throw new ValidationError("ResourceProperties must be an object");
  const problems: DomainError["details"] = [];
  for (const key of Object.keys(properties)) {
    if (!PROPERTIES.has(key) && !CLOUDFORMATION_PROPERTIES.has(key)) {
      problems.push({ path: key, code: "unrecognized_keys", message: "Unknown property" });
    }
  }
  const { OrganizationId, ConnectorId } = properties;
  if (!isIssuedId("org", OrganizationId)) {
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
  if (problems.length > 0 || !input || !isIssuedId("org", OrganizationId) || !connector.success) {
    throw new ValidationError("The properties are invalid", problems);
  }
  return { organizationId: OrganizationId, connectorId: connector.data, input };
}

/** `readProperties`, or null for properties it rejects (say, the old ones of a failed update). */
export function tryReadProperties(properties: unknown): Desired | null {
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

/** What an update may change, as the template states it. */
export const settingsOf = (input: ValidCreateConnectionInput) => ({
  name: input.name,
  general_params: input.general_params,
  target_system_servers: input.target_system_servers,
  access_scope: input.access_scope,
  is_service_account: input.is_service_account,
  environment: input.environment,
  external_xref: input.external_xref ?? null,
});

/** The fields of `next` that differ from `previous`; all of them when there is no `previous`. */
export function changedFields<T extends Record<string, unknown>>(next: T, previous: T | null): Partial<T> {
  if (!previous) return next;
  return Object.fromEntries(
    Object.entries(next).filter(([key, value]) => canonicalJson(value) !== canonicalJson(previous[key])),
  ) as Partial<T>;
}

/** The credentials of an input (`security` and `headers`), as a rotation takes them; null if none. */
export function credentialsOf(input: ValidCreateConnectionInput) {
  if (!input.security && !input.headers) return null;
  return {
    ...(input.security ? { security: input.security } : {}),
    ...(input.headers ? { headers: input.headers } : {}),
  };
}
