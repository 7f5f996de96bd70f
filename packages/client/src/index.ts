export {
  type CallOptions,
  type ConnvaultClient,
  type ConnvaultClientOptions,
  createConnvaultClient,
  type Item,
  type ListPath,
} from "./client.ts";
export { ConnvaultError, type FieldError, type Problem } from "./errors.ts";
export type { components, operations, paths } from "./generated/schema.ts";
export { parseRetryAfter, type RetryInfo, type RetryOptions } from "./retry.ts";
export type * from "./types.ts";
