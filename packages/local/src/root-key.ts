import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateApiKey } from "@connvault/core";

/**
 * The root key for `npm start`: `CONNVAULT_ROOT_API_KEY` when set, else the one kept in the data
 * folder, else a new one written there (readable by the owner only).
 */
export function ensureRootKey(
  dataDir: string,
  fromEnv: string | undefined,
): { key: string; generated: boolean } {
  if (fromEnv) return { key: fromEnv, generated: false };
  const file = join(dataDir, "root-api-key");
  if (existsSync(file)) return { key: readFileSync(file, "utf8").trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}
