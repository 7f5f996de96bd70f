import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateApiKey } from "@connvault/core";

/**
 * A secret of `npm start`: the environment's value when set, else the one kept in the data folder,
 * else a new one written there (readable by the owner only).
 */
function ensureSecret(
  dataDir: string,
  file: string,
  fromEnv: string | undefined,
  generate: () => string,
): { key: string; generated: boolean } {
  if (fromEnv) return { key: fromEnv, generated: false };
  const path = join(dataDir, file);
  if (existsSync(path)) return { key: readFileSync(path, "utf8").trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const key = generate();
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

/** A new server key: the secret the HMAC keys are derived from (never shown, unlike the root key). */
export const generateServerKey = (): string => randomBytes(32).toString("base64url");

/** The root key: `CONNVAULT_ROOT_API_KEY`, else `<data>/root-api-key`. */
export const ensureRootKey = (dataDir: string, fromEnv: string | undefined) =>
  ensureSecret(dataDir, "root-api-key", fromEnv, generateApiKey);

/** The server key: `CONNVAULT_SERVER_KEY`, else `<data>/server-key`. */
export const ensureServerKey = (dataDir: string, fromEnv: string | undefined) =>
  ensureSecret(dataDir, "server-key", fromEnv, generateServerKey);
