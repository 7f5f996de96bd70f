import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { DeployedFunction, Deployment, PolicyDocument } from "./deployment.ts";

// A loopback stand-in for AWS's endpoints in front of the embedded one: every call a function makes is
// evaluated against that function's synthesized IAM policies (and the KMS key policy) by an independent
// evaluator, @cloud-copilot/iam-simulate, and answered AccessDeniedException as AWS does when denied.

// biome-ignore lint/suspicious/noExplicitAny: AWS JSON request bodies
type Json = any;

export interface Authorization {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** The resource's own policy (the KMS key policy); identity policies alone decide otherwise. */
  resourcePolicy?: PolicyDocument;
}

export interface AwsCall {
  function: string;
  /** The SigV4 access key id the call was signed with. */
  accessKeyId: string;
  operation: string;
  authorizations: Array<Authorization & { decision: string }>;
  status: number;
}

/** Who calls through a proxy: a function's role, or an operator's (a person running a script). */
export type Caller = Pick<DeployedFunction, "id" | "name" | "roleName" | "policies">;

export interface IamProxy {
  url: string;
  close(): Promise<void>;
}

/** How the synthesized account's names and ARNs look on the embedded endpoint, and back. */
export interface Translation {
  toLocal(text: string): string;
  toDeployed(text: string): string;
}

export function translation(d: Deployment, localAccount: string, localQueueUrl: (name: string) => string) {
  const account = d.kmsKey.arn.split(":")[4] ?? "";
  const pairs: [string, string][] = [
    ...d.queues.map((q): [string, string] => [q.url, localQueueUrl(q.name)]),
    [`:${account}:`, `:${localAccount}:`],
  ];
  const swap = (text: string, from: 0 | 1) =>
    pairs.reduce((t, pair) => t.replaceAll(pair[from], pair[from === 0 ? 1 : 0]), text);
  return { account, toLocal: (text: string) => swap(text, 0), toDeployed: (text: string) => swap(text, 1) };
}

/** The fields that name an account's resource; values (secrets, items, message bodies) pass untouched. */
const NAMING_FIELDS = new Set(["ARN", "KmsKeyId", "QueueUrl", "SecretId", "EventBusName"]);

/** Translates the naming fields of an AWS JSON body, at any depth. */
const translateFields = (value: Json, translate: (text: string) => string, key = ""): Json => {
  if (typeof value === "string") return NAMING_FIELDS.has(key) ? translate(value) : value;
  if (Array.isArray(value)) return value.map((item) => translateFields(item, translate, key));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translateFields(v, translate, k)]));
  return value;
};

/** The body with its naming fields translated; byte for byte the same when none changes (DynamoDB's CRC32). */
const translateBody = (body: string, translate: (text: string) => string) => {
  let parsed: Json;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const translated = JSON.stringify(translateFields(parsed, translate));
  return translated === JSON.stringify(parsed) ? body : translated;
};

const SERVICES: Record<string, string> = {
  DynamoDB_20120810: "dynamodb",
  secretsmanager: "secretsmanager",
  AWSEvents: "events",
  AmazonSQS: "sqs",
};

/**
 * Two stand-ins for condition keys iam-simulate 0.1.173 cannot take from a request, renamed in both the
 * policies and the request so the evaluation is unchanged:
 * - `secretsmanager:ResourceTag/<key>` is listed in AWS's reference as the literal `…/tag-key`; Secrets
 *   Manager documents it as the secret's tag, which is `aws:ResourceTag/<key>`.
 * - `kms:EncryptionContext:<key>` has its variable after a colon, which the simulator drops from the request
 *   context; it becomes a global single-valued string key of the same name.
 */
const standIn = (key: string) =>
  key
    .replace(/^secretsmanager:ResourceTag\//i, "aws:ResourceTag/")
    .replace(/^kms:EncryptionContext:/i, "aws:PrincipalTag/kms-encryption-context:");

const withStandIns = (policy: PolicyDocument): PolicyDocument => ({
  ...policy,
  Statement: policy.Statement.map((statement: Json) =>
    statement.Condition
      ? {
          ...statement,
          Condition: Object.fromEntries(
            Object.entries(statement.Condition as Record<string, Record<string, unknown>>).map(
              ([operator, keys]) => [
                operator,
                Object.fromEntries(Object.entries(keys).map(([k, v]) => [standIn(k), v])),
              ],
            ),
          ),
        }
      : statement,
  ),
});

/** The decision IAM would make for one caller's role on one request. */
export async function evaluate(fn: Caller, account: string, auth: Authorization): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: withStandIns(p.policy) })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(auth.resourcePolicy ? { resourcePolicy: withStandIns(auth.resourcePolicy) } : {}),
      request: {
        action: auth.action,
        principal: `arn:aws:sts::${account}:assumed-role/${fn.roleName}/${fn.name}`,
        resource: { resource: auth.resource, accountId: account },
        contextVariables: Object.fromEntries(Object.entries(auth.context).map(([k, v]) => [standIn(k), v])),
      },
    } as never,
    {},
  );
  if (result.resultType === "error") throw new Error(`iam-simulate: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

export interface ProxyOptions {
  fn: Caller;
  d: Deployment;
  edgeUrl: string;
  region: string;
  t: Translation & { account: string };
  calls: AwsCall[];
  /** Injected faults: how many more times an operation (`events:PutEvents`) answers HTTP 500. */
  faults: Map<string, number>;
  /** Looks a secret up on the embedded endpoint (its ARN, tags and key), as IAM sees the resource. */
  describeSecret(
    secretId: string,
  ): Promise<{ ARN: string; Tags?: { Key: string; Value: string }[]; KmsKeyId?: string } | undefined>;
}

/** What IAM authorizes for one request: the action on the resource, plus the KMS use behind a secret. */
async function authorizationsFor(o: ProxyOptions, service: string, operation: string, input: Json) {
  const { region, t, d } = o;
  const arn = (svc: string, rest: string) => `arn:aws:${svc}:${region}:${t.account}:${rest}`;
  const action = `${service}:${operation.replace(/Batch$/, "")}`;
  const kms = (kmsAction: string, keyId: string | undefined, secretArn: string): Authorization[] =>
    keyId
      ? [
          {
            action: kmsAction,
            resource: keyId.startsWith("arn:") ? keyId : arn("kms", `key/${keyId}`),
            context: {
              "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
              "kms:EncryptionContext:SecretARN": secretArn,
            },
            resourcePolicy: d.kmsKey.policy,
          },
        ]
      : [];
  switch (service) {
    case "dynamodb": {
      const table = arn("dynamodb", `table/${input.TableName}`);
      return [
        { action, resource: input.IndexName ? `${table}/index/${input.IndexName}` : table, context: {} },
      ];
    }
    case "events": {
      const buses = new Set<string>(
        (input.Entries ?? []).map((e: Json) =>
          String(e.EventBusName ?? "default").startsWith("arn:")
            ? e.EventBusName
            : arn("events", `event-bus/${e.EventBusName ?? "default"}`),
        ),
      );
      return [...buses].map((resource) => ({ action, resource, context: {} }));
    }
    case "sqs":
      return [{ action, resource: arn("sqs", String(input.QueueUrl).split("/").pop() ?? ""), context: {} }];
    case "secretsmanager": {
      if (operation === "ListSecrets") return [{ action, resource: "*", context: {} }];
      if (operation === "CreateSecret") {
        // A new secret's ARN is its name plus a random six-character suffix.
        const secretArn = arn("secretsmanager", `secret:${input.Name}-AbCdEf`);
        const tags: { Key: string; Value: string }[] = input.Tags ?? [];
        const context = {
          ...Object.fromEntries(tags.map((tag) => [`aws:RequestTag/${tag.Key}`, tag.Value])),
          ...(tags.length ? { "aws:TagKeys": tags.map((tag) => tag.Key) } : {}),
        };
        return [
          { action, resource: secretArn, context },
          ...(tags.length ? [{ action: "secretsmanager:TagResource", resource: secretArn, context }] : []),
          ...kms("kms:GenerateDataKey", input.KmsKeyId, secretArn),
        ];
      }
      const found = await o.describeSecret(t.toLocal(String(input.SecretId)));
      const secretArn = found
        ? t.toDeployed(found.ARN)
        : String(input.SecretId).startsWith("arn:")
          ? input.SecretId
          : arn("secretsmanager", `secret:${input.SecretId}`);
      const context = Object.fromEntries(
        (found?.Tags ?? []).map((tag) => [`secretsmanager:ResourceTag/${tag.Key}`, tag.Value]),
      );
      const key = found?.KmsKeyId ? t.toDeployed(found.KmsKeyId) : undefined;
      return [
        { action, resource: secretArn, context },
        ...(operation === "PutSecretValue" ? kms("kms:GenerateDataKey", key, secretArn) : []),
        ...(operation === "GetSecretValue" ? kms("kms:Decrypt", key, secretArn) : []),
      ];
    }
    default:
      return [];
  }
}

const accessKeyOf = (headers: IncomingHttpHeaders) =>
  /Credential=([^/]+)\//.exec(String(headers.authorization ?? ""))?.[1] ?? "";

/** One proxy per caller: the port it is given tells the caller (its SDK clients may pin their own keys). */
export async function startIamProxy(o: ProxyOptions): Promise<IamProxy> {
  const edge = new URL(o.edgeUrl);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const [prefix = "", operation = ""] = String(req.headers["x-amz-target"] ?? "").split(".");
    const service = SERVICES[prefix] ?? prefix;
    const call: AwsCall = {
      function: o.fn.id,
      accessKeyId: accessKeyOf(req.headers),
      operation: `${service}:${operation}`,
      authorizations: [],
      status: 0,
    };
    o.calls.push(call);
    try {
      for (const auth of await authorizationsFor(o, service, operation, JSON.parse(body || "{}"))) {
        const decision = await evaluate(o.fn, o.t.account, auth);
        call.authorizations.push({ ...auth, decision });
        if (decision === "Allowed") continue;
        call.status = 400;
        const why =
          decision === "ExplicitlyDenied"
            ? "with an explicit deny in an identity-based policy"
            : `because no identity-based policy allows the ${auth.action} action`;
        const denied = JSON.stringify({
          __type: "AccessDeniedException",
          Message: `User: arn:aws:sts::${o.t.account}:assumed-role/${o.fn.roleName}/${o.fn.name} is not authorized to perform: ${auth.action} on resource: ${auth.resource} ${why}`,
        });
        res.writeHead(400, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-errortype": "AccessDeniedException",
        });
        res.end(denied);
        return;
      }
    } catch (error) {
      call.status = 500;
      res.writeHead(500, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ __type: "InternalFailure", Message: String(error) }));
      return;
    }
    const faults = o.faults.get(call.operation) ?? 0;
    if (faults > 0) {
      o.faults.set(call.operation, faults - 1);
      call.status = 500;
      res.writeHead(500, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ __type: "InternalFailure", Message: "injected by the deploy simulation" }));
      return;
    }
    const forwarded = Buffer.from(translateBody(body, o.t.toLocal));
    const upstream = httpRequest(
      {
        host: edge.hostname,
        port: edge.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: edge.host, "content-length": forwarded.length },
      },
      async (answer) => {
        const parts: Buffer[] = [];
        for await (const part of answer) parts.push(part as Buffer);
        const text = Buffer.from(translateBody(Buffer.concat(parts).toString(), o.t.toDeployed));
        call.status = answer.statusCode ?? 500;
        res.writeHead(call.status, { ...answer.headers, "content-length": text.length });
        res.end(text);
      },
    );
    upstream.on("error", (error) => res.destroy(error));
    upstream.end(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
