import { parseAllowedNetworks } from "@connvault/core";
import { Resource } from "sst";
import { z } from "zod";
import { deriveKey, KEY_PURPOSES, type KeyPurpose } from "./keys.ts";

const Env = z.object({
  CONNVAULT_TABLE: z.string().min(3).default("connvault"),
  CONNVAULT_SECRET_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,200}$/)
    .default("connvault/local"),
  CONNVAULT_ROOT_API_KEY: z
    .string()
    .startsWith("cvk_")
    .min(36, "must be cvk_ followed by ≥ 32 characters")
    .optional(),
  CONNVAULT_SERVER_KEY: z.string().min(32, "must be at least 32 characters of random text").optional(),
  CONNVAULT_KMS_KEY_ID: z.string().min(1).optional(),
  CONNVAULT_PUBLIC_URL: z.url().optional(),
  CONNVAULT_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(60).default(60),
  CONNVAULT_LOG_LEVEL: z.enum(["DEBUG", "INFO", "WARN", "ERROR", "SILENT"]).default("INFO"),
  CONNVAULT_DOCS_SCRIPT: z.string().min(1).optional(),
  CONNVAULT_EVENT_BUS: z.string().min(1).max(256).default("connvault"),
  CONNVAULT_EVENTS_DLQ_URL: z.url().optional(),
  CONNVAULT_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(100_000).default(100),
  CONNVAULT_PROXY_ALLOWED_NETWORKS: z.string().max(4096).optional(),
  CONNVAULT_PROXY_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(100_000).default(20),
  CONNVAULT_PROXY_TIMEOUT_SECONDS: z.coerce.number().min(1).max(29).default(25),
  AWS_REGION: z.string().default("us-east-1"),
  AWS_ENDPOINT_URL: z.url().optional(),
});

export interface Config {
  tableName: string;
  secretPrefix: string;
  /** Set where root requests are served (the api function, npm start); elsewhere nothing is root. */
  rootApiKey?: string;
  /** The keys this process was given: all of them with a server key, else those linked to the function. */
  keys: Partial<Record<KeyPurpose, Buffer>>;
  kmsKeyId?: string;
  /** Base URL of the public API, for links such as connector_page_url; else the request's origin. */
  publicUrl?: string;
  cacheTtlMs: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  region: string;
  /** An AWS endpoint override (the embedded edge locally); unset on AWS. */
  awsEndpoint?: string;
  /** Requests a second per API key and container (bursts of twice that); 0 turns the limit off. */
  rateLimitPerSecond: number;
  /** The EventBridge bus lifecycle events go to. */
  eventBusName: string;
  /** The SQS queue the events function sends the stream records it gives up on (the events DLQ). */
  eventsDlqUrl?: string;
  /**
   * Networks the proxy may call although they are not public (CIDRs): none when unset (AWS), loopback
   * under `npm start`, which sets it when the environment does not.
   */
  proxyAllowedNetworks: string[];
  /** Proxied calls a second per connection and container (bursts of twice that); 0 turns the limit off. */
  proxyRateLimitPerSecond: number;
  /** The most a proxied call may take, connect to last byte (API Gateway gives up at 30 s). */
  proxyTimeoutMs: number;
  /** Scalar's standalone script for `/docs` (shipped next to the api bundle); else the installed package's. */
  docsScriptPath?: string;
}

/**
 * What SST links into a deployed function (`Resource.*`), as the environment variables that
 * configure connvault anywhere else; empty outside an SST deployment.
 */
function linkedSettings(): Record<string, string> {
  if (!("ConnvaultSettings" in Resource)) return {};
  const { table, secretPrefix, kmsKeyArn } = Resource.ConnvaultSettings;
  return {
    CONNVAULT_TABLE: table,
    CONNVAULT_SECRET_PREFIX: secretPrefix,
    CONNVAULT_KMS_KEY_ID: kmsKeyArn,
    ...("RootApiKey" in Resource ? { CONNVAULT_ROOT_API_KEY: Resource.RootApiKey.value } : {}),
  };
}

/** Every key, derived from the server key when there is one, else the ones SST linked to this function. */
function serverKeys(serverKey: string | undefined): Config["keys"] {
  const purposes = Object.entries(KEY_PURPOSES) as [KeyPurpose, (typeof KEY_PURPOSES)[KeyPurpose]][];
  return Object.fromEntries(
    purposes.flatMap(([purpose, resource]) => {
      if (serverKey) return [[purpose, deriveKey(serverKey, purpose)]];
      return resource in Resource ? [[purpose, Buffer.from(Resource[resource].value, "base64url")]] : [];
    }),
  );
}

/**
 * Reads the configuration once: SST's linked resources when deployed, else the environment.
 * Fails fast with every problem listed.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Env.safeParse({ ...env, ...linkedSettings() });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    tableName: e.CONNVAULT_TABLE,
    secretPrefix: e.CONNVAULT_SECRET_PREFIX,
    ...(e.CONNVAULT_ROOT_API_KEY ? { rootApiKey: e.CONNVAULT_ROOT_API_KEY } : {}),
    keys: serverKeys(e.CONNVAULT_SERVER_KEY),
    ...(e.CONNVAULT_KMS_KEY_ID ? { kmsKeyId: e.CONNVAULT_KMS_KEY_ID } : {}),
    ...(e.CONNVAULT_PUBLIC_URL ? { publicUrl: e.CONNVAULT_PUBLIC_URL.replace(/\/$/, "") } : {}),
    cacheTtlMs: e.CONNVAULT_CACHE_TTL_SECONDS * 1000,
    logLevel: e.CONNVAULT_LOG_LEVEL,
    region: e.AWS_REGION,
    ...(e.AWS_ENDPOINT_URL ? { awsEndpoint: e.AWS_ENDPOINT_URL } : {}),
    ...(e.CONNVAULT_DOCS_SCRIPT ? { docsScriptPath: e.CONNVAULT_DOCS_SCRIPT } : {}),
    eventBusName: e.CONNVAULT_EVENT_BUS,
    ...(e.CONNVAULT_EVENTS_DLQ_URL ? { eventsDlqUrl: e.CONNVAULT_EVENTS_DLQ_URL } : {}),
    rateLimitPerSecond: e.CONNVAULT_RATE_LIMIT_PER_SECOND,
    proxyAllowedNetworks: parseAllowedNetworks(e.CONNVAULT_PROXY_ALLOWED_NETWORKS ?? ""),
    proxyRateLimitPerSecond: e.CONNVAULT_PROXY_RATE_LIMIT_PER_SECOND,
    proxyTimeoutMs: e.CONNVAULT_PROXY_TIMEOUT_SECONDS * 1000,
  };
}
