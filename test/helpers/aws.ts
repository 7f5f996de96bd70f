import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { LOCAL_REGION } from "@connvault/local";

/** Settings that point a real AWS SDK v3 client at the embedded edge endpoint. */
export const edgeClientConfig = (endpoint: string) => ({
  endpoint,
  region: LOCAL_REGION,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

export const secretsManagerClient = (endpoint: string) =>
  new SecretsManagerClient(edgeClientConfig(endpoint));
export const dynamoClient = (endpoint: string) => new DynamoDBClient(edgeClientConfig(endpoint));
export const eventBridgeClient = (endpoint: string) => new EventBridgeClient(edgeClientConfig(endpoint));
