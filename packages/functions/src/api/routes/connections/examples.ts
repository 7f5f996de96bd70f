import type { ConnectionDto } from "./schema.ts";

/**
 * The documented examples of the connection routes, one story: an admin (user_42) of
 * org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A connects Stripe for the whole organization, then updates, rotates and
 * reports on that same connection. test/api/openapi-examples.test.ts sends each request example and
 * compares the answer with the response example.
 */
export const CONNECTION_ID = "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A";
const ORGANIZATION_ID = "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A";
const CREATED_AT = "2026-11-21T12:00:00.000Z";
const UPDATED_AT = "2026-11-21T12:30:00.000Z";

export const createStripeConnection = {
  name: "Stripe (billing)",
  security: { authMethod: "bearer", token: "sk_live_51HxAmpleKeyOnly" },
  general_params: [{ name: "Stripe-Version", value: "2024-06-20", in: "header" }],
  access_scope: "organizational",
  environment: "production",
  external_xref: "billing-acct-1042",
  metadata: { team: "billing" },
};

/** The Stripe connection as `createStripeConnection` made it: organizational, active, not a service account. */
export const stripeConnection: ConnectionDto = {
  id: CONNECTION_ID,
  object: "connection",
  organization_id: ORGANIZATION_ID,
  connector_id: "stripe",
  version: null,
  name: "Stripe (billing)",
  owner: "user_42",
  access_scope: "organizational",
  is_service_account: false,
  status: "active",
  oauth2_required: false,
  connector_page_url: null,
  general_params: [{ name: "Stripe-Version", value: "2024-06-20", in: "header" }],
  target_system_servers: [],
  header_names: [],
  environment: "production",
  external_xref: "billing-acct-1042",
  metadata: { team: "billing" },
  credentials: { auth_method: "bearer", version: 1, updated_at: CREATED_AT, managed: true },
  auth_aws_arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:connvault/connections/${ORGANIZATION_ID}/${CONNECTION_ID}-Xy9Zab`,
  is_paused: false,
  health_reason: null,
  last_healthy_at: null,
  last_unhealthy_at: null,
  created_at: CREATED_AT,
  updated_at: CREATED_AT,
  etag: '"1"',
};

/** An OAuth2 connection (Slack, its client configured) created without a token: it waits for a browser. */
export const pendingSlackConnection: ConnectionDto = {
  ...stripeConnection,
  id: "conn_01JD3Y7A2B3C4D5E6F7G8H9J0K",
  connector_id: "slack",
  name: "Slack (support workspace)",
  access_scope: "personal",
  status: "pending_authorization",
  oauth2_required: true,
  connector_page_url: "https://connvault.example.com/oauth2/authorize?state=eyJ2IjoxfQ.SIGNED",
  general_params: [],
  external_xref: null,
  metadata: {},
  credentials: null,
  auth_aws_arn: null,
};

export const updateStripeConnection = {
  name: "Stripe (billing EU)",
  external_xref: "billing-acct-2077",
  metadata: { team: "billing", region: "eu" },
};

export const updatedStripeConnection: ConnectionDto = {
  ...stripeConnection,
  ...updateStripeConnection,
  updated_at: UPDATED_AT,
  etag: '"2"',
};

export const rotateStripeCredentials = {
  security: { authMethod: "bearer", token: "sk_live_51HxAmpleRotatedKey" },
};

export const rotatedStripeConnection: ConnectionDto = {
  ...stripeConnection,
  credentials: { auth_method: "bearer", version: 2, updated_at: UPDATED_AT, managed: true },
  updated_at: UPDATED_AT,
  etag: '"2"',
};

export const reportStripeUnhealthy = {
  healthy: false,
  reason: "Stripe answered 401 to GET /v1/balance: the key was rolled",
};

export const unhealthyStripeConnection: ConnectionDto = {
  ...stripeConnection,
  status: "unhealthy",
  health_reason: reportStripeUnhealthy.reason,
  last_unhealthy_at: UPDATED_AT,
  updated_at: UPDATED_AT,
  etag: '"2"',
};
