import { connvaultFunction } from "./functions";
import { table } from "./storage";

/** The `connvault` bus (`connvault-<stage>` outside production); every event has source `connvault`. */
export const bus = new sst.aws.Bus("Bus", {
  transform: {
    bus: (args) => {
      args.name = $app.stage === "production" ? "connvault" : `connvault-${$app.stage}`;
    },
  },
});

/**
 * The events DLQ (14 days) holds two kinds of message. A stream record the events function gave up
 * on, whole with its images (its item does not parse, its event is over 256 KB or invalid, or it
 * still fails 15 minutes after its change): `npm run events:replay` publishes it again. And Lambda's
 * on-failure record of a batch the mapping below skipped: shard and sequence numbers only, which the
 * replay reports and leaves.
 */
export const eventsDlq = new sst.aws.Queue("EventsDlq", {
  transform: { queue: { messageRetentionSeconds: 1_209_600 } },
});

/**
 * The table's stream is the outbox: the events function turns each connection change into one
 * `connection.*` event, in stream order. At the first record that fails transiently it reports that
 * record and every later one as batch item failures, unpublished, and Lambda retries from it. A record
 * it gives up on goes whole to the DLQ and counts as handled, so a shard is held up 15 minutes at most.
 * The limits below are a backstop for a function that cannot get through a batch at all (a crash, a
 * timeout): after an hour, or 10 000 retries (set high so that the age comes first), Lambda skips
 * the batch and sends its coordinates to the DLQ, while the stream (24 h) still has the records.
 * Bisection splits a batch whose invocation fails as a whole, to isolate the record that breaks it.
 */
export const eventsSubscription = table.subscribe(
  "Events",
  connvaultFunction("events", {
    permissions: [
      { actions: ["events:PutEvents"], resources: [bus.arn] },
      { actions: ["sqs:SendMessage"], resources: [eventsDlq.arn] },
    ],
    environment: {
      CONNVAULT_EVENT_BUS: bus.name,
      CONNVAULT_EVENTS_DLQ_URL: eventsDlq.url,
    },
  }),
  {
    transform: {
      eventSourceMapping: (args) => {
        args.startingPosition = "TRIM_HORIZON";
        args.batchSize = 100;
        args.functionResponseTypes = ["ReportBatchItemFailures"];
        args.bisectBatchOnFunctionError = true;
        args.maximumRecordAgeInSeconds = 3600;
        args.maximumRetryAttempts = 10_000;
        args.destinationConfig = { onFailure: { destinationArn: eventsDlq.arn } };
      },
    },
  },
);
