import { z } from "zod";
import { userId } from "../api-keys/api-key.ts";
import { authType, Server } from "../connectors/connector.ts";
import { queryInteger } from "../shared/query.ts";
import { secureUrl } from "../shared/urls.ts";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const HEADER_NAME_MESSAGE = "Must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~";
/** Field values go into outbound requests: no CR, LF, NUL or other control character (HTAB is allowed). */
const CONTROL_CHARACTER = /(?!\t)\p{Cc}/u;
const CONTROL_MESSAGE = "Must not contain control characters (CR, LF, NUL…)";
/** The same rule as a JSON Schema pattern for the OpenAPI document (\p{Cc} is U+0000–U+001F and U+007F–U+009F). */
const NO_CONTROL_PATTERN = "^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F-\\u009F]*$";

const httpHeaderName = z.string().regex(HEADER_NAME, HEADER_NAME_MESSAGE);
const httpHeaderValue = z
  .string()
  .max(8192)
  .refine((value) => !CONTROL_CHARACTER.test(value), CONTROL_MESSAGE)
  .meta({ pattern: NO_CONTROL_PATTERN });

/** The token as stored in a connection's secret (`security.oauth2Token`). */
const OAuth2Token = z
  .strictObject({
    access_token: z
      .string()
      .min(1)
      .max(16_384)
      .meta({ description: "The access token, sent upstream as `Authorization: Bearer <access_token>`" }),
    refresh_token: z.string().min(1).max(16_384).optional().meta({
      description:
        "With expires_at, lets connvault refresh the access token at the connector's token_url when it expires within 5 minutes; without either, the token is used as is",
    }),
    expires_at: z
      .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
      .optional()
      .meta({
        description:
          "When the access token expires: an ISO-8601 date-time with offset, or epoch seconds; omitted = never refreshed",
      }),
    token_type: z.string().max(64).optional().meta({
      description: "As the provider returned it (usually Bearer); stored, not used",
      example: "Bearer",
    }),
    scope: z.string().max(4096).optional().meta({
      description: "The granted scopes, space-separated as the provider returned them; stored, not used",
    }),
  })
  .meta({ description: "An OAuth2 token you obtained yourself (write-only)" });
export type OAuth2Token = z.infer<typeof OAuth2Token>;

/** Write-only credentials: accepted on input, stored only in Secrets Manager, never returned. */
export const SecurityInput = z
  .discriminatedUnion("authMethod", [
    z.strictObject({
      authMethod: z.literal("apiKey").meta({ description: "An API key (connector auth_type api_key)" }),
      apiKey: z.string().min(1).max(16_384).meta({ description: "The API key value (1–16,384 characters)" }),
      headerName: httpHeaderName.optional().meta({
        description:
          "The header the proxy sends the key in; omitted = where the connector's security scheme puts it (header, query or cookie), else X-API-Key",
        example: "X-API-Key",
      }),
    }),
    z.strictObject({
      authMethod: z
        .literal("basic")
        .meta({ description: "HTTP Basic authentication (connector auth_type basic)" }),
      username: z.string().min(1).max(1024).meta({ description: "The user name (1–1,024 characters)" }),
      password: z.string().max(16_384).meta({
        description: "The password; may be empty. Sent as `Authorization: Basic base64(username:password)`",
      }),
    }),
    z.strictObject({
      authMethod: z.literal("bearer").meta({ description: "A bearer token (connector auth_type bearer)" }),
      token: z
        .string()
        .min(1)
        .max(16_384)
        .meta({ description: "The token, sent upstream as `Authorization: Bearer <token>`" }),
    }),
    z.strictObject({
      authMethod: z
        .literal("oauth2")
        .meta({ description: "An existing OAuth2 token (connector auth_type oauth2)" }),
      oauth2Token: OAuth2Token,
    }),
  ])
  .meta({
    description:
      "WRITE-ONLY credentials; never returned. Must fit the connector's auth_type (apiKey ↔ api_key, basic, bearer, oauth2).",
    example: { authMethod: "apiKey", apiKey: "sk_live_…", headerName: "X-API-Key" },
  });
export type SecurityInput = z.infer<typeof SecurityInput>;

/** What a connection's secret holds: the write-only fields, as JSON. */
export interface CredentialPayload {
  security?: SecurityInput;
  headers?: Record<string, string>;
  /** unified.to's `auth` object, for connections made through the compatible routes. */
  auth?: Record<string, unknown>;
}
export type AuthMethod = SecurityInput["authMethod"];

export const GeneralParam = z.strictObject({
  name: z.string().min(1).max(128).meta({
    description:
      "The parameter's name: the `{name}` placeholder it fills in the proxied path, the query parameter or the header it sets",
    example: "team_id",
  }),
  value: z
    .string()
    .max(4096)
    .meta({ description: "The value to send (not secret: it is returned)", example: "T0123" }),
  in: z.enum(["path", "query", "header"]).meta({
    description:
      "Where the proxy puts it on every call: path fills `{name}` in the path, query sets the query parameter, header sets the header — overriding what the caller sent",
    example: "query",
  }),
});

/** A general param as sent: one that goes in a header must be a valid header field. */
const GeneralParamInput = GeneralParam.superRefine((param, ctx) => {
  if (param.in !== "header") return;
  if (!HEADER_NAME.test(param.name))
    ctx.addIssue({ code: "custom", path: ["name"], message: HEADER_NAME_MESSAGE });
  if (CONTROL_CHARACTER.test(param.value))
    ctx.addIssue({ code: "custom", path: ["value"], message: CONTROL_MESSAGE });
}).meta({
  if: { properties: { in: { const: "header" } } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
  then: {
    properties: { name: { pattern: HEADER_NAME.source }, value: { pattern: NO_CONTROL_PATTERN } },
  },
});

export const accessScope = z.enum(["personal", "organizational"]).meta({
  description:
    "personal: only its owner can see and use it (anyone else, admins included, gets 404); organizational: every API key of the organization can see and use it, its owner and admins can change it",
});
export const connectionStatus = z
  .enum(["active", "pending_authorization", "unhealthy", "paused", "credentials_missing"])
  .meta({
    description:
      "Derived, in this order: paused (is_paused); pending_authorization (OAuth2 connector without a token); credentials_missing (other connector without credentials); unhealthy (last health report unhealthy); else active",
  });
export type ConnectionStatus = z.infer<typeof connectionStatus>;

export const metadata = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 50, "At most 50 keys")
  .meta({
    description: "Your own key/value pairs (≤ 50 keys, keys ≤ 40 and values ≤ 500 characters)",
    maxProperties: 50,
    propertyNames: { minLength: 1, maxLength: 40 },
  });

const serviceAccountNeedsOrganizational = (
  input: { is_service_account?: boolean | undefined; access_scope?: string | undefined },
  ctx: z.RefinementCtx,
) => {
  if (input.is_service_account && input.access_scope !== "organizational") {
    ctx.addIssue({
      code: "custom",
      path: ["is_service_account"],
      message: "A service account connection must have access_scope organizational",
    });
  }
};

const name = z.string().min(1).max(128).meta({
  description: "A name for people (1–128 characters); need not be unique",
  example: "Production Slack",
});
const version = z.string().min(1).max(32).nullable().meta({
  description:
    "Pin one of the connector's versions (else 422); null or omitted follows the connector's latest_version at each call",
  example: "v2",
});
const generalParams = z.array(GeneralParamInput).max(50).meta({
  description:
    "Up to 50 parameters the proxy adds to every call through the connection (not secret: they are returned)",
});
const headers = z
  .record(httpHeaderName, httpHeaderValue)
  .refine((value) => Object.keys(value).length <= 50, "At most 50 headers")
  .meta({
    description:
      "WRITE-ONLY custom headers (≤ 50) the proxy sends on every call, overriding the caller's; only their names are ever returned",
    maxProperties: 50,
    propertyNames: { pattern: HEADER_NAME.source },
  });
const targetSystemServers = z.array(Server).max(20).meta({
  description:
    "Up to 20 servers that override the connector version's (the proxy uses the first); empty uses the connector's",
});
/** Both route families default to it; environments compare without regard to case everywhere. */
export const DEFAULT_ENVIRONMENT = "production";
const environment = z.string().min(1).max(64).meta({
  description: "1–64 characters, kept as sent; compared without regard to case (Production = production)",
  example: "production",
});
const externalXref = z.string().min(1).max(255).meta({
  description: "Your own reference (1–255 characters), e.g. your customer's id",
  example: "customer_42",
});

/** An ARN of an existing secret to adopt instead of sending credentials. */
export const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
    "Must be a Secrets Manager secret ARN",
  )
  .meta({
    description:
      "Admins only: adopt this existing secret instead of sending credentials. It must carry the tag connvault:organization_id = your organization; connvault never changes or deletes it.",
  });

export const CreateConnectionInput = z
  .strictObject({
    name,
    version: version.optional(),
    security: SecurityInput.optional(),
    general_params: generalParams.default([]),
    headers: headers.optional(),
    target_system_servers: targetSystemServers.default([]),
    access_scope: accessScope.default("personal"),
    is_service_account: z.boolean().default(false).meta({
      description:
        "true for shared service-account credentials rather than a person's; requires access_scope organizational (else 422)",
    }),
    owner: userId.optional().meta({
      description:
        "The owning user id; defaults to the calling key's user; only admins may set another (else 403)",
    }),
    environment: environment.default(DEFAULT_ENVIRONMENT),
    external_xref: externalXref.optional(),
    metadata: metadata.default({}),
    redirect_url: secureUrl
      .optional()
      .meta({ description: "OAuth2 only: where the browser lands after authorization" }),
    auth_aws_arn: secretArn.optional(),
  })
  .superRefine(serviceAccountNeedsOrganizational)
  // The two rules below, stated in JSON Schema for the OpenAPI document.
  .meta({
    allOf: [
      {
        not: {
          anyOf: [{ required: ["auth_aws_arn", "security"] }, { required: ["auth_aws_arn", "headers"] }],
        },
      },
      {
        if: { properties: { is_service_account: { const: true } }, required: ["is_service_account"] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
        then: { properties: { access_scope: { const: "organizational" } }, required: ["access_scope"] },
      },
    ],
  })
  .superRefine((input, ctx) => {
    if (input.auth_aws_arn && (input.security || input.headers)) {
      ctx.addIssue({
        code: "custom",
        path: ["auth_aws_arn"],
        message: "Send either auth_aws_arn (adopt a secret) or security/headers, not both",
      });
    }
  });
export type CreateConnectionInput = z.input<typeof CreateConnectionInput>;
export type ValidCreateConnectionInput = z.output<typeof CreateConnectionInput>;

export const UpdateConnectionInput = z
  .strictObject({
    name: name.optional(),
    version: version.optional(),
    general_params: generalParams.optional(),
    target_system_servers: targetSystemServers.optional(),
    access_scope: accessScope.optional().meta({
      description:
        "Changes who can see the connection (see the Connection's access_scope); a service account must stay organizational",
      example: "organizational",
    }),
    is_service_account: z.boolean().optional().meta({
      description: "true requires access_scope organizational, as sent or as stored (else 422)",
      example: false,
    }),
    environment: environment.optional(),
    external_xref: externalXref
      .nullable()
      .optional()
      .meta({ description: "Your own reference (1–255 characters); null removes it" }),
    metadata: metadata.optional().meta({ description: "Replaces the whole metadata object" }),
    is_paused: z.boolean().optional().meta({
      description:
        "true pauses the connection (status paused, the proxy answers 409 connection_paused; credentials are kept); false resumes it",
    }),
  })
  .meta({ description: "Only the fields present change. Credentials change with PUT …/credentials." });
export type UpdateConnectionInput = z.output<typeof UpdateConnectionInput>;

export const RotateCredentialsInput = z
  .strictObject({ security: SecurityInput.optional(), headers: headers.optional() })
  .meta({
    minProperties: 1,
    description:
      "Replaces the stored credentials as a new version of the same secret (same ARN). Whatever is not sent is no longer stored: send security and every header.",
  });
export type RotateCredentialsInput = z.output<typeof RotateCredentialsInput>;

export const HealthInput = z.strictObject({
  healthy: z.boolean().meta({
    description:
      "true sets last_healthy_at and status active; false sets last_unhealthy_at and status unhealthy (paused or missing credentials take precedence)",
  }),
  reason: z.string().max(1024).optional().meta({
    description: "Why, in a sentence (≤ 1,024 characters); returned as health_reason, null when omitted",
  }),
});
export type HealthInput = z.output<typeof HealthInput>;

export const Credentials = z.object({
  auth_method: z.enum(["apiKey", "basic", "bearer", "oauth2", "unified"]).nullable().meta({
    description:
      "How the stored credentials authenticate; unified = a unified.to auth object; null = headers only or adopted",
    example: "oauth2",
  }),
  version: z.number().int().positive().meta({
    description:
      "1 for the first stored credentials; +1 on every rotation, OAuth2 authorization or token refresh (the secret's ARN stays the same)",
    example: 1,
  }),
  updated_at: z.string().meta({
    description: "ISO-8601 date-time (UTC) when this credentials version was stored",
    example: "2026-11-21T12:00:00.000Z",
  }),
  managed: z.boolean().meta({ description: "false when the secret was adopted: connvault never changes it" }),
});

/** What the record keeps about its credentials: the public part plus the secret version it wrote. */
export const StoredCredentials = Credentials.extend({
  /**
   * The VersionId (ClientRequestToken) of the version connvault wrote last: an HMAC under a server
   * key, never an unkeyed hash of the value. A repeated identical rotation recognises itself by it.
   */
  version_id: z.string().nullable().default(null),
});

/** A connection as stored: metadata only. Credential values exist only in the secret it points at. */
export const ConnectionRecord = z.object({
  id: z.string(),
  organization_id: z.string(),
  connector_id: z.string(),
  /** The connector's auth_type when the connection was made; with credentials it decides the status. */
  auth_type: authType,
  version: z.string().nullable(),
  name: z.string(),
  owner: z.string(),
  access_scope: accessScope,
  is_service_account: z.boolean(),
  status: connectionStatus,
  general_params: z.array(GeneralParam),
  target_system_servers: z.array(Server),
  header_names: z.array(z.string()),
  environment: z.string(),
  external_xref: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  /** unified.to's `permissions` and `categories`, kept for the compatible routes. */
  permissions: z.array(z.string()),
  categories: z.array(z.string()),
  credentials: StoredCredentials.nullable(),
  auth_aws_arn: z.string().nullable(),
  is_paused: z.boolean(),
  health: z.enum(["healthy", "unhealthy"]).nullable(),
  health_reason: z.string().nullable(),
  last_healthy_at: z.string().nullable(),
  last_unhealthy_at: z.string().nullable(),
  redirect_url: z.string().nullable(),
  /** The keyed requests applied to this connection (its create, recent health reports), for replays. */
  idempotency: z.array(z.object({ key: z.string(), fingerprint: z.string(), operation: z.string() })),
  /** What the last write did and who did it: the table's stream turns it into a lifecycle event. */
  last_change: z
    .object({
      type: z.enum(["created", "updated", "credentials_rotated", "authorized", "health_reported"]),
      actor: z.object({ type: z.enum(["user", "end_user", "system"]), id: z.string() }),
    })
    .default({ type: "created", actor: { type: "system", id: "unknown" } }),
  created_at: z.string(),
  updated_at: z.string(),
  revision: z.number().int().positive(),
});
export type ConnectionRecord = z.infer<typeof ConnectionRecord>;
export type ConnectionChange = ConnectionRecord["last_change"];
export type Actor = ConnectionChange["actor"];

/**
 * The status follows from the record, so it is never stored out of step: paused wins, then
 * missing credentials, then the last health report.
 */
export function deriveStatus(
  record: Pick<ConnectionRecord, "is_paused" | "auth_type" | "credentials" | "health">,
): ConnectionStatus {
  if (record.is_paused) return "paused";
  const { credentials } = record;
  if (record.auth_type !== "none") {
    const authorized =
      credentials !== null &&
      (!credentials.managed ||
        (record.auth_type === "oauth2"
          ? credentials.auth_method === "oauth2" || credentials.auth_method === "unified"
          : credentials.auth_method !== null));
    if (!authorized) return record.auth_type === "oauth2" ? "pending_authorization" : "credentials_missing";
  }
  return record.health === "unhealthy" ? "unhealthy" : "active";
}

export const ListConnectionsQuery = z.object({
  connector_id: z.string().max(64).optional().meta({
    description: "Only connections to this connector (exact, case-sensitive match)",
    example: "slack",
  }),
  access_scope: accessScope
    .optional()
    .meta({ description: "Only personal (the caller's own) or only organizational connections" }),
  owner: userId
    .optional()
    .meta({ description: "Only connections owned by this user id (exact, case-sensitive match)" }),
  status: connectionStatus
    .optional()
    .meta({ description: "Only connections with this status (exact match)" }),
  environment: z
    .string()
    .max(64)
    .optional()
    .meta({ description: "Only connections in this environment: exact match, without regard to case" }),
  external_xref: z
    .string()
    .max(255)
    .optional()
    .meta({ description: "Only connections with this external_xref (exact, case-sensitive match)" }),
  limit: queryInteger(1, 100).default(20).meta({
    description: "The most connections to return, 1–100 (default 20); a filtered page may hold fewer",
  }),
  cursor: z.string().max(512).optional().meta({
    description:
      "The previous page's next_cursor, to read the next page; opaque and signed, valid only with the same filters and caller (else 400)",
  }),
});
export type ValidListConnectionsQuery = z.output<typeof ListConnectionsQuery>;
export type ConnectionFilters = Omit<z.output<typeof ListConnectionsQuery>, "limit" | "cursor">;
