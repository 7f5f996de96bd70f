import { Logger } from "@aws-lambda-powertools/logger";

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACTED_KEYS = new Set([
  "security",
  "headers",
  "auth",
  "authorization",
  "x-api-key",
  "password",
  "token",
  "apikey",
  "access_token",
  "refresh_token",
  "client_secret",
  "key",
  "secretstring",
  "secretbinary",
]);

export const redact = (key: string, value: unknown): unknown =>
  REDACTED_KEYS.has(key.toLowerCase()) ? "[REDACTED]" : value;

export function createLogger(logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT"): Logger {
  return new Logger({ serviceName: "connvault", logLevel, jsonReplacerFn: redact });
}
