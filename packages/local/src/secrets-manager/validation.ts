import { AwsServiceError } from "../aws-json.ts";

const MAX_VALUE_BYTES = 65_536;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export interface Tag {
  Key: string;
  Value: string;
}

/**
 * A secret's value as on the wire, `SecretBinary` base64-encoded. A request may set both fields or
 * neither; a stored value (as {@link validValue} returns it) has exactly one.
 */
export interface SecretValue {
  SecretString?: string;
  SecretBinary?: string;
}

/**
 * The name of a secret to create.
 * @throws ValidationException when it is not a string of 1 to 512 characters from `[A-Za-z0-9/_+=.@-]`.
 */
export function validName(name: unknown): string {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new AwsServiceError(
      "ValidationException",
      "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
    );
  }
  return name;
}

/**
 * The `SecretId` of a request: an ARN of at most 2048 characters, or else a valid name.
 * @throws ValidationException as {@link validName} does.
 */
export function validSecretId(id: unknown): string {
  if (typeof id === "string" && id.startsWith("arn:") && id.length <= 2048) return id;
  return validName(id);
}

/**
 * The `ClientRequestToken` that identifies the version a request writes.
 * @throws InvalidRequestException when it is missing or empty; InvalidParameterException when it is not
 * 32 to 64 characters long.
 */
export function validToken(token: string | undefined): string {
  if (!token) {
    throw invalidRequest("You must provide a ClientRequestToken value. We recommend a UUID-type value.");
  }
  checkLength(token, "ClientRequestToken", 32, 64);
  return token;
}

/**
 * The value a request writes: exactly one of `SecretString` and `SecretBinary`, of 1 to 65,536 bytes
 * (decoded, for `SecretBinary`, which comes back re-encoded as base64).
 * @throws InvalidParameterException when both are set; InvalidRequestException when neither is;
 * ValidationException when the value is empty or too large.
 */
export function validValue({ SecretString, SecretBinary }: SecretValue): SecretValue {
  if (SecretString !== undefined && SecretBinary !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (SecretString !== undefined) {
    checkValueSize("SecretString", Buffer.byteLength(SecretString, "utf8"));
    return { SecretString };
  }
  if (SecretBinary !== undefined) {
    const bytes = Buffer.from(SecretBinary, "base64");
    checkValueSize("SecretBinary", bytes.length);
    return { SecretBinary: bytes.toString("base64") };
  }
  throw invalidRequest("You must provide either SecretString or SecretBinary.");
}

function checkValueSize(field: string, bytes: number): void {
  if (bytes < 1 || bytes > MAX_VALUE_BYTES) {
    throw validationError(`${field} must be between 1 and ${MAX_VALUE_BYTES} bytes; it has ${bytes}.`);
  }
}

/**
 * The `VersionStages` of a request, without repeats; `undefined` when the request has none.
 * @throws InvalidParameterException unless there are 1 to 20 labels of 1 to 256 characters.
 */
export function validStages(stages: string[] | undefined): string[] | undefined {
  if (stages === undefined) return undefined;
  if (stages.length < 1 || stages.length > 20)
    throw invalidParameter("VersionStages must hold 1 to 20 labels.");
  for (const stage of stages) checkLength(stage, "VersionStage", 1, 256);
  return [...new Set(stages)];
}

/**
 * The `Tags` of a request (none when absent), a missing key or value read as `""`.
 * @throws InvalidParameterException unless each key has 1 to 128 characters and each value at most 256.
 */
export function validTags(tags: Partial<Tag>[] | undefined): Tag[] {
  return (tags ?? []).map(({ Key = "", Value = "" }) => {
    checkLength(Key, "Tag key", 1, 128);
    checkLength(Value, "Tag value", 0, 256);
    return { Key, Value };
  });
}

/**
 * Checks an optional string field; an absent one (`undefined`) passes.
 * @throws InvalidParameterException when the value is not a string of `min` to `max` characters.
 */
export function checkLength(value: unknown, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "string" || value.length < min || value.length > max) {
    throw invalidParameter(`${field} must be a string of ${min} to ${max} characters.`);
  }
}

/** A request the secret's state does not allow (AWS's InvalidRequestException). */
export function invalidRequest(message: string): AwsServiceError {
  return new AwsServiceError("InvalidRequestException", message);
}

/** A parameter with a value AWS does not accept (AWS's InvalidParameterException). */
export function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError("InvalidParameterException", message);
}

/** A request that breaks a documented constraint (AWS's common ValidationException). */
export function validationError(message: string): AwsServiceError {
  return new AwsServiceError("ValidationException", message);
}
