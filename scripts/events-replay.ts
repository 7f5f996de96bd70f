import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createEventsServices, eventBridgeClient } from "../packages/functions/src/composition.ts";
import { loadConfig } from "../packages/functions/src/config.ts";
import { sqsClient } from "../packages/functions/src/events/dead-letters.ts";
import { createRecordPublisher } from "../packages/functions/src/events/events.ts";
import { replayDeadLetters } from "../packages/functions/src/events/replay.ts";

export const USAGE = `Usage: npm run events:replay -- --queue-url <url> [--bus <name>] [--json]

Publishes the stream records in the events DLQ onto the bus again, each rebuilt by the events
function's own code (same event_id, so consumers deduplicate), and deletes each message once its
event is published. Lambda's metadata-only messages and anything else are reported and left.

Runs with CONNVAULT_EVENT_BUS (the events function's), unless --bus is given, and the usual
AWS_REGION, AWS_ENDPOINT_URL and credential variables; events carry no link, so no key is needed.

Exit status: 0 when every message was replayed, 1 when any was left, 2 when it cannot run (bad
arguments or configuration, the queue out of reach).
`;

export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  out: (line: string) => void = console.log,
): Promise<number> {
  let values: { "queue-url"?: string; bus?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "queue-url": { type: "string" },
        bus: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    out(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const queueUrl = values["queue-url"];
  if (values.help || !queueUrl) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...env, ...(values.bus ? { CONNVAULT_EVENT_BUS: values.bus } : {}) });
  } catch (error) {
    out((error as Error).message);
    return 2;
  }
  const events = eventBridgeClient(config);
  const services = createEventsServices(config, {}, { events });
  const sqs = sqsClient(config);
  try {
    const summary = await replayDeadLetters({
      sqs,
      queueUrl,
      publish: createRecordPublisher(services),
      report: out,
    });
    out(
      values.json
        ? JSON.stringify(summary)
        : `replayed ${summary.replayed}, metadata-only ${summary.metadataOnly}, unreplayable ${summary.unreplayable}, failed ${summary.failed}`,
    );
    return summary.metadataOnly + summary.unreplayable + summary.failed === 0 ? 0 : 1;
  } catch (error) {
    // Only receiving can throw (each message's own failure is counted): the queue is out of reach.
    out(`Cannot read the DLQ: ${(error as Error).message}`);
    return 2;
  } finally {
    sqs.destroy();
    events.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
