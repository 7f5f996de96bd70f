import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { startEdge } from "@connvault/local";
import { describe, expect, it } from "vitest";
import { eventBridgeClient } from "../helpers/aws.ts";

describe("the edge's EventBridge sink", () => {
  it("accepts PutEvents from the real SDK and appends each event to events.jsonl", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "connvault-events-"));
    const edge = await startEdge({ dataDir });
    try {
      const result = await eventBridgeClient(edge.url).send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: "connvault",
              Source: "connvault",
              DetailType: "connection.created",
              Detail: '{"a":1}',
            },
            {
              EventBusName: "connvault",
              Source: "connvault",
              DetailType: "connection.deleted",
              Detail: '{"b":2}',
            },
          ],
        }),
      );
      expect(result.FailedEntryCount).toBe(0);
      expect(result.Entries?.map((e) => e.EventId)).toHaveLength(2);
      const lines = readFileSync(join(dataDir, "events.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((e) => [e.detail_type, e.event_bus_name, e.detail])).toEqual([
        ["connection.created", "connvault", { a: 1 }],
        ["connection.deleted", "connvault", { b: 2 }],
      ]);
      expect(edge.events.events).toHaveLength(2);
    } finally {
      await edge.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
