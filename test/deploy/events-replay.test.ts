import { spawn } from "node:child_process";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectStatus } from "../helpers/harness.ts";
import { receiveAll, sqsClient } from "../helpers/sqs.ts";
import type { DeployedFunction } from "./deployment.ts";
import type { Caller } from "./iam-proxy.ts";
import { type Simulation, startSimulation } from "./simulation.ts";
import type { HttpResponse } from "./triggers.ts";

// Issue 12's scenario through the simulated deployment (README.md in this folder): a connection change
// whose stream record the events function gives up on reaches the synthesized events DLQ whole, and an
// operator's `npm run events:replay` puts its event on the synthesized bus. A simulation of its own, so
// the DLQ holds this scenario's messages only.

const lambdaNode = inject("lambdaNode");
let sim: Simulation;

/** An OAuth2 connector: a new connection is pending, so its event carries a connector_page_url. */
const connector = {
  name: "Replayed (OAuth2)",
  description: "A connector whose connections wait for authorization",
  auth_type: "oauth2",
  versions: [
    { version: "v1", servers: [{ url: "http://127.0.0.1:9" }], security_schema: { type: "oauth2" } },
  ],
  oauth2: {
    authorization_url: "http://127.0.0.1:9/authorize",
    token_url: "http://127.0.0.1:9/token",
    scopes: ["read"],
    pkce: true,
    client_id: "replay-client",
    client_secret: "replay-client-secret",
  },
};

beforeAll(async () => {
  if (!lambdaNode) return;
  sim = await startSimulation({
    lambdaNode,
    bundleDir: inject("bundleDir"),
    connectors: { replayed: connector },
  });
});

afterAll(async () => {
  await sim?.close();
});

const root = () => ({ authorization: `Bearer ${sim.rootApiKey}` });
const json = <T = Record<string, unknown>>(res: HttpResponse) => JSON.parse(res.body) as T;
interface Detail {
  event_id: string;
  connection: { id: string; connector_page_url: string | null };
}
const connectionId = (detail: unknown) => (detail as Partial<Detail>).connection?.id;
const eventsOf = (id: string) => sim.edge.events.events.filter((e) => connectionId(e.detail) === id);

/**
 * The operator's role: read and delete the events DLQ's messages, publish to the bus; nothing else.
 * Written here, as no stack deploys it; every call the replay makes is evaluated against it.
 */
const operator = (dlqArn: string): Caller => ({
  id: "Operator",
  name: "events-replay",
  roleName: "connvault-operator",
  policies: [
    {
      name: "events-replay",
      policy: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: dlqArn },
          { Effect: "Allow", Action: "events:PutEvents", Resource: sim.d.bus.arn },
        ],
      },
    },
  ],
});

/**
 * What `sst shell --target <events function> -- npm run events:replay` gives the script: the function's
 * linked resources as `SST_RESOURCE_<name>` (ConnvaultSettings, OAuthPageKey) and its own environment
 * (SST_RESOURCE_App included; not `SST_KEY`, which decrypts the bundle's `resource.enc` on Lambda),
 * with AWS's endpoints on the operator's proxy.
 */
const shellOf = (fn: DeployedFunction, endpoint: string): Record<string, string> => {
  const { SST_KEY: _key, SST_KEY_FILE: _file, ...environment } = fn.environment;
  return {
    ...environment,
    ...Object.fromEntries(
      Object.entries(fn.links).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]),
    ),
    AWS_REGION: sim.d.table.arn.split(":")[3] ?? "",
    AWS_ENDPOINT_URL: endpoint,
  };
};

describe.skipIf(!lambdaNode)("a poison stream record reaching the events DLQ and being replayed", () => {
  it("goes whole to the DLQ when it still fails 15 minutes after its change; the replay publishes it once", async () => {
    // Prepare: an OAuth2 connection whose record waits 16 minutes on a held-up shard, then meets a
    // failing PutEvents (every attempt the SDK makes): the events function gives up on it as expired.
    const events = sim.fnByBundle("events");
    const dlqArn = sim.stream.mapping.onFailureArn ?? "";
    const dlqUrl = events.environment.CONNVAULT_EVENTS_DLQ_URL ?? "";
    expect(sim.d.queues.find((q) => q.arn === dlqArn)?.url).toBe(dlqUrl);
    const org = await sim.api.request("POST", "/v1/organizations", {
      headers: root(),
      body: { name: "Replay" },
    });
    await expectStatus(org, 201);
    const key = json<{ admin_api_key: { key: string } }>(org).admin_api_key.key;
    await sim.stream.drain();
    sim.stream.pause();
    const created = await sim.api.request("POST", "/v1/connectors/replayed/connections", {
      headers: { authorization: `Bearer ${key}` },
      body: { name: "Replayed" },
    });
    await expectStatus(created, 201);
    const { id } = json<{ id: string }>(created);
    await sim.stream.drain();
    sim.stream.age(16 * 60);
    sim.failNext("events", "events:PutEvents", 3);
    sim.stream.resume();
    await sim.stream.drain();
    sim.failNext("events", "events:PutEvents", 0);

    const dlq = sqsClient(sim.edge.url);
    const local = sim.queueUrl(dlqArn);
    const delivered = sim.stream.delivered.filter((r) => r.dynamodb?.NewImage?.id?.S === id);
    const letters = (await receiveAll(dlq, local, 0)).map((m) => JSON.parse(m.Body ?? "{}"));
    expect(letters).toEqual([
      expect.objectContaining({
        kind: "connvault.events.stream_record",
        reason: "expired",
        record: delivered[0],
      }),
    ]);
    expect(delivered).toHaveLength(1);
    expect(eventsOf(id)).toEqual([]);

    // Act: the operator runs the replay with the events function's configuration.
    const endpoint = await sim.startProxy(operator(dlqArn));
    const callsBefore = sim.calls.length;
    const { code, stdout } = await replay(["--queue-url", dlqUrl], shellOf(events, endpoint));

    // Assess: the event is on the synthesized bus once, as the events function itself builds it.
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("replayed 1, metadata-only 0, unreplayable 0, failed 0");
    const replayed = eventsOf(id);
    expect(replayed.map((e) => [e.detail_type, e.event_bus_name])).toEqual([
      ["connection.created", events.environment.CONNVAULT_EVENT_BUS],
    ]);
    const { Attributes = {} } = await dlq.send(
      new GetQueueAttributesCommand({ QueueUrl: local, AttributeNames: ["All"] }),
    );
    expect([
      Attributes.ApproximateNumberOfMessages,
      Attributes.ApproximateNumberOfMessagesNotVisible,
    ]).toEqual(["0", "0"]);
    const operatorCalls = sim.calls.slice(callsBefore).filter((c) => c.function === "Operator");
    expect(
      new Set(operatorCalls.flatMap((c) => c.authorizations.map((a) => `${a.action}=${a.decision}`))),
    ).toEqual(
      new Set(["sqs:ReceiveMessage=Allowed", "sqs:DeleteMessage=Allowed", "events:PutEvents=Allowed"]),
    );

    // The record delivered afresh to the events function gives the same event, event_id included; like
    // every event, it carries no connector_page_url (only callers who may change a connection get one).
    await sim.lambda("events").invoke({ Records: [letters[0]?.record as DynamoDBRecord] });
    const [once, again] = eventsOf(id).map((e) => e.detail as Detail);
    expect(again?.event_id).toBe(once?.event_id);
    expect(again).toEqual(once);
    expect(once?.connection.connector_page_url).toBeNull();
    dlq.destroy();
  });
});

/** `npm run events:replay -- <args>`, as an operator runs it: only the given environment and PATH. */
function replay(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/events-replay.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let stdout = "";
  const collect = (chunk: Buffer) => {
    stdout += chunk.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout })));
}
