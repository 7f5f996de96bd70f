import type { UnifiedConnectionDto } from "./schema.ts";

/**
 * The documented examples of the unified.to-compatible routes: a HubSpot connection imported with the
 * tokens a unified.to export carries, then renamed (PATCH) or sent back whole (PUT), as unified's
 * clients do.
 */
const CONNECTION_ID = "conn_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A";
const ORGANIZATION_ID = "org_01JD3Y6Z8R6S7T8V9W0X1Y2Z3A";
const CREATED_AT = "2026-11-21T12:00:00.000Z";

export const createHubspotConnection = {
  integration_type: "hubspot",
  integration_name: "HubSpot (sales)",
  permissions: ["crm_contact_read", "crm_deal_read"],
  categories: ["crm"],
  external_xref: "sales-team",
  environment: "production",
  auth: {
    access_token: "CJSP5qf1KhICAQEYs-example-access-token",
    refresh_token: "na1-example-refresh-token",
    expiry_date: "2026-11-21T12:30:00.000Z",
  },
};

export const hubspotConnection: UnifiedConnectionDto = {
  id: CONNECTION_ID,
  created_at: CREATED_AT,
  updated_at: CREATED_AT,
  workspace_id: ORGANIZATION_ID,
  integration_type: "hubspot",
  integration_name: "HubSpot (sales)",
  external_xref: "sales-team",
  permissions: ["crm_contact_read", "crm_deal_read"],
  categories: ["crm"],
  is_paused: false,
  environment: "production",
  auth_aws_arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:connvault/connections/${ORGANIZATION_ID}/${CONNECTION_ID}-Xy9Zab`,
};

export const patchHubspotConnection = {
  integration_name: "HubSpot (sales EU)",
  external_xref: "sales-team-eu",
};

const { auth_aws_arn: _arn, ...readFields } = hubspotConnection;

/**
 * What a unified.to client sends with PUT: the object it read, changed; read-only fields are ignored
 * (an echoed `auth_aws_arn` must be the connection's own, which cannot change).
 */
export const putHubspotConnection = {
  ...readFields,
  integration_name: "HubSpot (sales EU)",
  external_xref: "sales-team-eu",
  permissions: ["crm_contact_read", "crm_contact_write", "crm_deal_read"],
};

export const patchedHubspotConnection: UnifiedConnectionDto = {
  ...hubspotConnection,
  ...patchHubspotConnection,
  updated_at: "2026-11-21T12:30:00.000Z",
};

export const putResultHubspotConnection: UnifiedConnectionDto = {
  ...patchedHubspotConnection,
  permissions: putHubspotConnection.permissions,
};
