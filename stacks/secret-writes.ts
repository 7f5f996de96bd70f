/**
 * Every HTTP route that creates, writes or deletes a secret, with its API Gateway throttle (requests a
 * second, also its burst). HTTP API throttles are per route, so these rates are shares of one budget:
 * together at most SECRET_WRITE_BUDGET, under Secrets Manager's 50 CreateSecret (and 50 PutSecretValue,
 * 50 DeleteSecret) per second per account and region, whichever call a route makes. Plain data (no SST
 * globals), so the API tests can check that exactly these routes touch secrets.
 */
export const SECRET_WRITE_BUDGET = 40;

export const SECRET_WRITE_ROUTES = {
  "POST /v1/connectors/{connector_id}/connections": 8,
  "POST /v1/connectors/{connector_id}/connect": 4,
  "PUT /v1/connections/{id}/credentials": 6,
  "DELETE /v1/connections/{id}": 6,
  "PUT /v1/connectors/{connector_id}": 1,
  "POST /unified/connection": 4,
  "PUT /unified/connection/{id}": 2,
  "PATCH /unified/connection/{id}": 2,
  "DELETE /unified/connection/{id}": 2,
  "GET /oauth2/callback": 3,
  // The hosted connect page's form (stacks/connect.ts).
  "POST /connect/{proxy+}": 2,
} as const satisfies Record<string, number>;

export type SecretWriteRoute = keyof typeof SECRET_WRITE_ROUTES;
