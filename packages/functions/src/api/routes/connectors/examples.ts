import { catalog } from "@connvault/core";
import type { ConnectorDto } from "./schema.ts";

const shipped = catalog().find((connector) => connector.id === "slack");
if (!shipped?.oauth2) throw new Error("The catalog has no OAuth2 connector slack for the examples");
const { id: _id, latest_version, oauth2, ...fields } = shipped;

/** Slack as the catalog ships it: an OAuth2 connector whose client an operator has yet to register. */
export const slackConnector: ConnectorDto = {
  ...shipped,
  oauth2: { ...oauth2, client_secret_configured: false },
};

const CLIENT_ID = "2141029472.691202649728";

/** `PUT /v1/connectors/slack`: Slack, with the OAuth2 client the operator registered at Slack. */
export const registerSlackClient = {
  ...fields,
  oauth2: { ...oauth2, client_id: CLIENT_ID, client_secret: "e1b2c3d4e5f60718293a4b5c6d7e8f90" },
};

export const configuredSlackConnector: ConnectorDto = {
  ...slackConnector,
  oauth2: { ...oauth2, client_id: CLIENT_ID, client_secret_configured: true },
};
