/**
 * Every DynamoDB key of the single table is built here. Tenant-owned items carry the organization
 * in their partition key, so no query can reach another organization's items by accident. The one
 * global lookup is the API-key hash, which is how a request finds its organization.
 */
export const keys = {
  organization: (organizationId: string) => ({ pk: `ORG#${organizationId}`, sk: "ORG" }),
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: "APIKEY" }),
  apiKeyIndex: (organizationId: string, keyId?: string) => ({
    gsi1pk: `ORG#${organizationId}#APIKEYS`,
    ...(keyId ? { gsi1sk: keyId } : {}),
  }),
  connector: (connectorId: string) => ({ pk: "CATALOG", sk: `CONNECTOR#${connectorId}` }),
  catalog: () => ({ pk: "CATALOG", skPrefix: "CONNECTOR#" }),
  connection: (organizationId: string, connectionId: string) => ({
    pk: `ORG#${organizationId}`,
    sk: `CONN#${connectionId}`,
  }),
  /** Lists read GSI1, newest first by creation time (ids made from Idempotency-Keys are not time-ordered). */
  connectionIndex: (organizationId: string, position?: { created_at: string; id: string }) => ({
    gsi1pk: `ORG#${organizationId}#CONNS`,
    ...(position ? { gsi1sk: `${position.created_at}#${position.id}` } : {}),
  }),
  /**
   * Lists read GSI2, where visibility is in the partition key: one range holds the organization's
   * organizational connections, one per owner their personal ones. A caller's page reads two ranges.
   */
  visibleConnections,
  visibleConnection: (
    organizationId: string,
    record: { access_scope: string; owner: string; created_at: string; id: string },
  ) => ({
    ...visibleConnections(
      organizationId,
      record.access_scope === "organizational" ? undefined : record.owner,
    ),
    gsi2sk: listPosition(record),
  }),
  listPosition,
  parseListPosition: (sortKey: string) => ({
    created_at: sortKey.slice(0, sortKey.lastIndexOf("#")),
    id: sortKey.slice(sortKey.lastIndexOf("#") + 1),
  }),
  /** The claim of the one connection that adopted an external secret (full ARN). */
  secretClaim: (organizationId: string, arn: string) => ({
    pk: `ORG#${organizationId}`,
    sk: `ADOPTED#${arn}`,
  }),
  /** A browser authorization in progress, found by its `state` alone (global, short-lived). */
  oauthFlow: (flowId: string) => ({ pk: `OAUTHFLOW#${flowId}`, sk: "OAUTHFLOW" }),
  /** A used connector_page_url nonce (global, kept until the link would have expired anyway). */
  oauthPageNonce: (nonce: string) => ({ pk: `OAUTHNONCE#${nonce}`, sk: "OAUTHNONCE" }),
  /** A connect session, found by its id alone (the page holds only its token; global, kept a week). */
  connectSession: (sessionId: string) => ({ pk: `CONNECTSESSION#${sessionId}`, sk: "CONNECTSESSION" }),
  /** A single-flight lease, e.g. on refreshing one connection's OAuth2 token. */
  lease: (name: string) => ({ pk: `LEASE#${name}`, sk: "LEASE" }),
  /** Where the reconciler's last bounded run stopped (one item per table). */
  reconcilerCursor: () => ({ pk: "RECONCILER", sk: "CURSOR" }),
  /** An audit entry (a credential read, a proxied call) in its organization's partition, by time. */
  auditEntry: (prefix: string, organizationId: string, at?: string, id?: string) => ({
    pk: `ORG#${organizationId}`,
    sk: at && id ? `${prefix}#${at}#${id}` : `${prefix}#`,
  }),
} as const;

function visibleConnections(organizationId: string, personalOwner?: string) {
  return {
    gsi2pk: personalOwner
      ? `ORG#${organizationId}#CONNS#PERSONAL#${personalOwner}`
      : `ORG#${organizationId}#CONNS#ORGANIZATIONAL`,
  };
}

/** A connection's place in a list, newest first (ids never contain `#`). */
function listPosition(position: { created_at: string; id: string }) {
  return `${position.created_at}#${position.id}`;
}

export const KEY_ATTRIBUTES = [
  "pk",
  "sk",
  "gsi1pk",
  "gsi1sk",
  "gsi2pk",
  "gsi2sk",
  "entity",
  "schema_version",
] as const;
