import type { SynthBuild, SynthResource, SynthResult } from "../infra/synth.ts";

// What the synthesized stacks deploy, read from the recorded resources only: every value below comes
// from a resource input or a mocked output, never from a copy of the stacks.

// biome-ignore lint/suspicious/noExplicitAny: IAM documents and recorded inputs are arbitrary JSON
type Json = any;

export interface PolicyDocument {
  Version: string;
  Statement: Json[];
}

export interface DeployedFunction {
  /** SST's component name, e.g. `Api` or `TableSubscriberEventsFunction`. */
  id: string;
  /** The Lambda function's physical name and ARN. */
  name: string;
  arn: string;
  /** The prebuilt bundle folder, as the stacks give it (`dist/functions/<name>`). */
  bundle: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** Linked SST resources by name: the content of the bundle's `resource.enc`. */
  links: Record<string, Json>;
  roleName: string;
  roleArn: string;
  /** Inline role policies and separate `aws:iam/rolePolicy` resources on the role. */
  policies: { name: string; policy: PolicyDocument }[];
  /** Attached AWS managed policies (ARNs only: their documents are not in the synth). */
  managedPolicyArns: string[];
}

export interface Route {
  routeKey: string;
  functionArn: string;
}

export interface StreamMapping {
  functionArn: string;
  eventSourceArn: string;
  batchSize: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  onFailureArn?: string;
  reportBatchItemFailures: boolean;
}

export interface QueueFacts {
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export interface Deployment {
  synth: SynthResult;
  functions: DeployedFunction[];
  routes: Route[];
  stage: {
    resource: SynthResource;
    defaultThrottle: { rate: number; burst: number };
    routeThrottles: Record<string, { rate: number; burst: number }>;
  };
  streamMappings: StreamMapping[];
  queueMappings: Array<Omit<StreamMapping, "onFailureArn"> & { maximumBatchingWindowInSeconds?: number }>;
  queues: QueueFacts[];
  schedule: { functionArn: string; input: Json; expression: string; maximumRetryAttempts?: number };
  table: { name: string; arn: string; streamArn: string };
  bus: { name: string; arn: string };
  kmsKey: { arn: string; policy: PolicyDocument };
}

/** Pulumi passes secret-tainted inputs to the mocks wrapped as `{<signature>: <secret>, value}`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const unsecret = (value: Json): Json =>
  value && typeof value === "object" && SECRET_SIG in value && "value" in value ? value.value : value;

const parse = (value: Json) => (typeof value === "string" ? JSON.parse(value) : value);

/**
 * A key without a `policy` gets AWS's default key policy, which lets the account's IAM policies grant
 * its use ("Default key policy", AWS KMS Developer Guide).
 */
const defaultKeyPolicy = (account: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Enable IAM User Permissions",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});

export function deployment(synth: SynthResult): Deployment {
  const all = (type: string) => synth.resources.filter((r) => r.type === type);
  const one = (type: string) => {
    const found = all(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0] as SynthResource;
  };
  const builds = new Map<string, SynthBuild>(synth.builds.map((b) => [b.functionID, b]));
  const roles = all("aws:iam/role:Role");
  const rolePolicies = all("aws:iam/rolePolicy:RolePolicy");

  const functions = all("aws:lambda/function:Function").map((fn): DeployedFunction => {
    const id = fn.parent.split("::").pop() ?? "";
    const build = builds.get(id);
    if (!build?.bundle) throw new Error(`${fn.name}: no Runtime.Build with a bundle for ${id}`);
    const role = roles.find((r) => r.outputs.arn === fn.inputs.role);
    if (!role) throw new Error(`${fn.name}: role ${fn.inputs.role} is not in the synth`);
    const inline = (unsecret(role.inputs.inlinePolicies) ?? []) as { name: string; policy: string }[];
    const attached = rolePolicies.filter((p) => [role.outputs.name, role.outputs.id].includes(p.inputs.role));
    return {
      id,
      name: fn.outputs.name,
      arn: fn.outputs.arn,
      bundle: build.bundle,
      handler: fn.inputs.handler,
      runtime: fn.inputs.runtime,
      timeoutSeconds: fn.inputs.timeout,
      memoryMb: fn.inputs.memorySize,
      environment: unsecret(fn.inputs.environment)?.variables ?? {},
      links: build.links ?? {},
      roleName: role.outputs.name,
      roleArn: role.outputs.arn,
      policies: [
        ...inline.map((p) => ({ name: p.name, policy: parse(unsecret(p.policy)) })),
        ...attached.map((p) => ({ name: p.name, policy: parse(unsecret(p.inputs.policy)) })),
      ],
      managedPolicyArns: unsecret(role.inputs.managedPolicyArns) ?? [],
    };
  });

  const integrations = new Map(
    all("aws:apigatewayv2/integration:Integration").map((i) => [`integrations/${i.id}`, i]),
  );
  const routes = all("aws:apigatewayv2/route:Route").map((route): Route => {
    const integration = integrations.get(route.inputs.target);
    if (!integration)
      throw new Error(`route ${route.inputs.routeKey}: no integration ${route.inputs.target}`);
    return { routeKey: route.inputs.routeKey, functionArn: unsecret(integration.inputs.integrationUri) };
  });

  const stage = one("aws:apigatewayv2/stage:Stage");
  const throttle = (s: Json) => ({ rate: s.throttlingRateLimit, burst: s.throttlingBurstLimit });

  const mappings = all("aws:lambda/eventSourceMapping:EventSourceMapping").map((m) => ({
    functionArn: unsecret(m.inputs.functionName),
    eventSourceArn: m.inputs.eventSourceArn,
    batchSize: m.inputs.batchSize,
    bisectBatchOnFunctionError: m.inputs.bisectBatchOnFunctionError ?? false,
    // Lambda's defaults for a stream mapping: -1 (retry until the record expires) and -1 (no maximum age).
    maximumRetryAttempts: m.inputs.maximumRetryAttempts ?? -1,
    maximumRecordAgeInSeconds: m.inputs.maximumRecordAgeInSeconds ?? -1,
    onFailureArn: m.inputs.destinationConfig?.onFailure?.destinationArn,
    reportBatchItemFailures: (m.inputs.functionResponseTypes ?? []).includes("ReportBatchItemFailures"),
    maximumBatchingWindowInSeconds: m.inputs.maximumBatchingWindowInSeconds,
  }));

  const table = one("aws:dynamodb/table:Table").outputs;
  const bus = one("aws:cloudwatch/eventBus:EventBus").outputs;
  const key = one("aws:kms/key:Key");
  const schedule = one("aws:scheduler/schedule:Schedule").inputs;
  return {
    synth,
    functions,
    routes,
    stage: {
      resource: stage,
      defaultThrottle: throttle(stage.inputs.defaultRouteSettings ?? {}),
      routeThrottles: Object.fromEntries(
        (stage.inputs.routeSettings ?? []).map((s: Json) => [s.routeKey, throttle(s)]),
      ),
    },
    streamMappings: mappings.filter((m) => m.eventSourceArn.includes(":dynamodb:")),
    queueMappings: mappings.filter((m) => m.eventSourceArn.includes(":sqs:")),
    queues: all("aws:sqs/queue:Queue").map((q) => ({
      name: q.outputs.name,
      arn: q.outputs.arn,
      url: q.outputs.url,
      visibilityTimeoutSeconds: q.inputs.visibilityTimeoutSeconds ?? 30,
      ...(q.inputs.redrivePolicy ? { redrive: parse(q.inputs.redrivePolicy) } : {}),
    })),
    schedule: {
      functionArn: schedule.target.arn,
      input: parse(schedule.target.input ?? "{}"),
      expression: schedule.scheduleExpression,
      maximumRetryAttempts: schedule.target.retryPolicy?.maximumRetryAttempts,
    },
    table: { name: table.name, arn: table.arn, streamArn: table.streamArn },
    bus: { name: bus.name, arn: bus.arn },
    kmsKey: {
      arn: key.outputs.arn,
      policy: key.inputs.policy ? parse(key.inputs.policy) : defaultKeyPolicy(key.outputs.arn.split(":")[4]),
    },
  };
}

/** Every resource `urn` waits for before the engine creates it (its dependencies, transitively). */
export function createdBefore(synth: SynthResult, urn: string): Set<string> {
  const byUrn = new Map(synth.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const visit = (next: string) => {
    for (const dependency of byUrn.get(next)?.dependencies ?? []) {
      if (seen.has(dependency)) continue;
      seen.add(dependency);
      visit(dependency);
    }
  };
  visit(urn);
  return seen;
}

/**
 * API Gateway rejects a stage whose RouteSettings name a route key that does not exist yet
 * (`NotFoundException: Unable to find Route by key …`): each named route must be created before the stage.
 * Returns the route keys the stage does not wait for.
 */
export function stageRoutesNotCreatedBefore(synth: SynthResult): string[] {
  const stage = synth.resources.find((r) => r.type === "aws:apigatewayv2/stage:Stage");
  if (!stage) return [];
  const before = createdBefore(synth, stage.urn);
  const routes = synth.resources.filter((r) => r.type === "aws:apigatewayv2/route:Route");
  return (stage.inputs.routeSettings ?? [])
    .map((s: Json) => s.routeKey as string)
    .filter((key: string) => !routes.some((route) => route.inputs.routeKey === key && before.has(route.urn)));
}

/** The function a synthesized ARN names. */
export function functionByArn(d: Deployment, arn: string): DeployedFunction {
  const fn = d.functions.find((f) => f.arn === arn);
  if (!fn) throw new Error(`no function ${arn} in the synth`);
  return fn;
}
