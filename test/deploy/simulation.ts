import { posix } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeSecretCommand, ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { generateApiKey } from "@connvault/core";
import { type Edge, LOCAL_ACCOUNT_ID, startEdge } from "@connvault/local";
import { edgeClientConfig, secretsManagerClient } from "../helpers/aws.ts";
import { sqsClient } from "../helpers/sqs.ts";
import { synth } from "../infra/synth.ts";
import { type DeployedFunction, type Deployment, deployment, functionByArn } from "./deployment.ts";
import {
  type Authorization,
  type AwsCall,
  type Caller,
  evaluate,
  type IamProxy,
  startIamProxy,
  translation,
} from "./iam-proxy.ts";
import { type LambdaProcess, startLambda } from "./lambda.ts";
import { ApiGateway, QueuePoller, StreamPoller } from "./triggers.ts";

// The whole simulated deployment: the synthesized stacks, the embedded AWS endpoint holding the
// synthesized table and queues, and every function running as Lambda runs it behind its IAM proxy.

export interface Simulation {
  d: Deployment;
  edge: Edge;
  rootApiKey: string;
  /** Every AWS call any function made, with IAM's decisions. */
  calls: AwsCall[];
  /** Each function's started process, or why it did not start, by bundle name (`api`, `events`…). */
  starts: Map<string, LambdaProcess | Error>;
  /** The started process of one function; throws its init error. */
  lambda(bundle: string): LambdaProcess;
  fnByBundle(bundle: string): DeployedFunction;
  api: ApiGateway;
  stream: StreamPoller;
  provisioning: QueuePoller;
  /** A synthesized queue's URL on the embedded endpoint. */
  queueUrl(arn: string): string;
  /** Starts another process of a function with its synthesized environment changed (a broken deployment). */
  startVariant(bundle: string, environment: Record<string, string>): Promise<LambdaProcess>;
  /**
   * The HTTP API with one function's routes sent to a variant of it with `environment` added: a stand-in
   * for what a test needs that AWS would not give (README.md: an upstream or a token endpoint on loopback).
   */
  apiWithVariant(bundle: string, environment: Record<string, string>): Promise<ApiGateway>;
  /** Makes one function's next `count` calls of an operation (`events:PutEvents`) answer HTTP 500. */
  failNext(bundle: string, operation: string, count: number): void;
  /** The IAM proxy one function's process calls AWS through, for direct calls as that function. */
  proxyOf(bundle: string): string;
  /** An IAM proxy for someone outside the functions (an operator's script), evaluated against their policies. */
  startProxy(caller: Caller): Promise<string>;
  close(): Promise<void>;
}

export interface SimulationOptions {
  lambdaNode: string;
  bundleDir: string;
  /**
   * Another SST config to deploy, e.g. to show what a defect breaks; by default CONNVAULT_DEPLOY_CONFIG's
   * (README.md in this folder), else the repository's.
   */
  configPath?: string;
  /** Connectors to add once the api runs, as an operator adds them: PUT /v1/connectors/{id} with the root key. */
  connectors?: Record<string, object>;
}

const bundleName = (fn: DeployedFunction) => posix.basename(fn.bundle);

export async function startSimulation(options: SimulationOptions): Promise<Simulation> {
  const configPath = options.configPath ?? process.env.CONNVAULT_DEPLOY_CONFIG;
  const rootApiKey = generateApiKey();
  const d = deployment(
    await synth({
      stage: "ci",
      secrets: { RootApiKey: rootApiKey },
      ...(configPath ? { configPath } : {}),
    }),
  );
  const region = d.table.arn.split(":")[3] ?? "us-east-1";
  const edge = await startEdge();
  await createTable(edge.url, d);
  const sqs = sqsClient(edge.url);
  const localQueueUrl = (name: string) => `${edge.url}/${LOCAL_ACCOUNT_ID}/${name}`;
  const queueUrl = (arn: string) => localQueueUrl(arn.split(":").pop() ?? "");
  const t = translation(d, LOCAL_ACCOUNT_ID, localQueueUrl);
  // Dead-letter queues first, so a redrive policy names an existing queue.
  for (const queue of [...d.queues].sort((a, b) => Number(Boolean(a.redrive)) - Number(Boolean(b.redrive)))) {
    await sqs.send(
      new CreateQueueCommand({
        QueueName: queue.name,
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          ...(queue.redrive ? { RedrivePolicy: t.toLocal(JSON.stringify(queue.redrive)) } : {}),
        },
      }),
    );
  }

  const lookup = secretsManagerClient(edge.url);
  const describeSecret = (secretId: string) =>
    lookup.send(new DescribeSecretCommand({ SecretId: secretId })).then(
      (found) => ({ ARN: found.ARN ?? "", Tags: found.Tags as never, KmsKeyId: found.KmsKeyId }),
      (error: unknown) => {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      },
    );
  const calls: AwsCall[] = [];
  const proxies = new Map<string, IamProxy>();
  const faults = new Map<string, Map<string, number>>();
  const starts = new Map<string, LambdaProcess | Error>();
  const variants: LambdaProcess[] = [];
  const proxyFor = (fn: Caller, faults: Map<string, number>) =>
    startIamProxy({ fn, d, edgeUrl: edge.url, region, t, calls, faults, describeSecret });
  const others: IamProxy[] = [];
  const start = (fn: DeployedFunction, proxy: IamProxy) =>
    startLambda({
      fn,
      bundleDir: options.bundleDir,
      nodes: { "nodejs24.x": options.lambdaNode },
      endpoint: proxy.url,
      region,
      accessKeyId: fn.name,
    });
  // One at a time, so each init time is the function's own and not a share of the machine.
  for (const fn of d.functions) {
    const fault = new Map<string, number>();
    faults.set(bundleName(fn), fault);
    const proxy = await proxyFor(fn, fault);
    proxies.set(bundleName(fn), proxy);
    starts.set(bundleName(fn), await start(fn, proxy).catch((error: Error) => error));
  }

  const fnByBundle = (bundle: string) => {
    const fn = d.functions.find((f) => bundleName(f) === bundle);
    if (!fn) throw new Error(`no function with bundle ${bundle} in the synth`);
    return fn;
  };
  const started = (fn: DeployedFunction) => {
    const found = starts.get(bundleName(fn));
    if (found instanceof Error || !found) throw found ?? new Error(`${fn.id} was not started`);
    return found;
  };
  const byArn = (arn: string) => started(functionByArn(d, arn));
  const lambda = (bundle: string) => started(fnByBundle(bundle));

  /** A call the Lambda service makes with a function's role, checked against that role as AWS does. */
  const asLambdaService = (fn: DeployedFunction) => async (auth: Authorization) => {
    const decision = await evaluate(fn, t.account, auth);
    const status = decision === "Allowed" ? 200 : 400;
    calls.push({
      function: fn.id,
      accessKeyId: "lambda.amazonaws.com",
      operation: auth.action,
      authorizations: [{ ...auth, decision }],
      status,
    });
    if (status !== 200)
      throw new Error(`${fn.id}'s role may not ${auth.action} on ${auth.resource}: ${decision}`);
  };
  const streamFunction = functionByArn(d, d.streamMappings[0]?.functionArn ?? "");
  const stream = new StreamPoller(d, edge, byArn, sqs, queueUrl, asLambdaService(streamFunction));
  edge.stream.listen(async (record) => stream.push(record));
  const queueMapping = d.queueMappings[0];
  if (!queueMapping) throw new Error("the synth has no SQS event source mapping");
  const api = new ApiGateway(d, byArn);
  for (const [id, body] of Object.entries(options.connectors ?? {})) {
    if (starts.get("api") instanceof Error) break;
    const headers = { authorization: `Bearer ${rootApiKey}` };
    const put = await api.request("PUT", `/v1/connectors/${id}`, { headers, body });
    if (put.status !== 200) throw new Error(`PUT /v1/connectors/${id}: ${put.status} ${put.body}`);
  }
  const startVariant = async (bundle: string, environment: Record<string, string>) => {
    const fn = fnByBundle(bundle);
    const proxy = proxies.get(bundle);
    if (!proxy) throw new Error(`${bundle} has no proxy`);
    const variant = await start({ ...fn, environment: { ...fn.environment, ...environment } }, proxy);
    variants.push(variant);
    return variant;
  };
  return {
    d,
    edge,
    rootApiKey,
    calls,
    starts,
    lambda,
    fnByBundle,
    api,
    stream,
    provisioning: new QueuePoller(d, queueMapping, byArn, sqs, queueUrl),
    queueUrl,
    startVariant,
    async apiWithVariant(bundle, environment) {
      const variant = await startVariant(bundle, environment);
      const { arn } = fnByBundle(bundle);
      return new ApiGateway(d, (target) => (target === arn ? variant : byArn(target)));
    },
    failNext: (bundle, operation, count) => faults.get(bundle)?.set(operation, count),
    proxyOf: (bundle) => proxies.get(bundle)?.url ?? "",
    async startProxy(caller) {
      const proxy = await proxyFor(caller, new Map());
      others.push(proxy);
      return proxy.url;
    },
    async close() {
      await stream.drain();
      for (const started of [...starts.values(), ...variants])
        if (!(started instanceof Error)) await started.close();
      for (const proxy of [...proxies.values(), ...others]) await proxy.close();
      lookup.destroy();
      sqs.destroy();
      await edge.close();
    },
  };
}

/** The table as the synth declares it: keys, attributes and global indexes. */
async function createTable(endpoint: string, d: Deployment): Promise<void> {
  const table = d.synth.resources.find((r) => r.type === "aws:dynamodb/table:Table")?.inputs ?? {};
  const keys = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    ...(range ? [{ AttributeName: range, KeyType: "RANGE" as const }] : []),
  ];
  const client = new DynamoDBClient(edgeClientConfig(endpoint));
  await client.send(
    new CreateTableCommand({
      TableName: d.table.name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: table.attributes.map((a: { name: string; type: "S" }) => ({
        AttributeName: a.name,
        AttributeType: a.type,
      })),
      KeySchema: keys(table.hashKey, table.rangeKey),
      GlobalSecondaryIndexes: (table.globalSecondaryIndexes ?? []).map(
        (g: { name: string; hashKey: string; rangeKey?: string }) => ({
          IndexName: g.name,
          KeySchema: keys(g.hashKey, g.rangeKey),
          Projection: { ProjectionType: "ALL" },
        }),
      ),
    }),
  );
  client.destroy();
}
