import { createHash } from "node:crypto";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * The cold-start floor: the SDK clients connvault's api function builds, and the one route the
 * bench calls (read a connection with an API key), written by hand with no framework and no
 * validation. Region, endpoint and credentials come from the environment, as on Lambda.
 */
const dynamo = new DynamoDBClient({});
export const clients = { secrets: new SecretsManagerClient({}) };
const TableName = process.env.CONNVAULT_TABLE;

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const key = event.headers.authorization?.replace(/^Bearer\s+/i, "") ?? "";
  const hash = createHash("sha256").update(key).digest("hex");
  const apiKey = await dynamo.send(
    new GetItemCommand({ TableName, Key: { pk: { S: `APIKEY#${hash}` }, sk: { S: "APIKEY" } } }),
  );
  const organization = apiKey.Item?.organization_id?.S;
  if (!organization) return { statusCode: 401, body: "" };
  const id = event.rawPath.split("/").pop();
  const found = await dynamo.send(
    new GetItemCommand({ TableName, Key: { pk: { S: `ORG#${organization}` }, sk: { S: `CONN#${id}` } } }),
  );
  return found.Item
    ? { statusCode: 200, body: JSON.stringify(unmarshall(found.Item)) }
    : { statusCode: 404, body: "" };
}
