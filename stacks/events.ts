import { api } from "./api";
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

/** Stream records that still fail after every retry land here (their metadata), for replay. */
export const eventsDlq = new sst.aws.Queue("EventsDlq", {
  transform: { queue: { messageRetentionSeconds: 1_209_600 } },
});

/**
 * The table's stream is the outbox: the events function turns each connection change into one
 * `connection.*` event. Failed records are retried from where they failed until they expire from the
 * stream (24 h), bisecting batches to isolate a bad one; only then do they go to the DLQ.
 */
export const eventsSubscription = table.subscribe(
  "Events",
  connvaultFunction("events", {
    permissions: [
      { actions: ["events:PutEvents"], resources: [bus.arn] },
      { actions: ["sqs:SendMessage"], resources: [eventsDlq.arn] },
    ],
    environment: { CONNVAULT_EVENT_BUS: bus.name, CONNVAULT_PUBLIC_URL: api.url },
  }),
  {
    transform: {
      eventSourceMapping: (args) => {
        args.startingPosition = "TRIM_HORIZON";
        args.batchSize = 100;
        args.functionResponseTypes = ["ReportBatchItemFailures"];
        args.bisectBatchOnFunctionError = true;
        args.maximumRetryAttempts = -1;
        args.destinationConfig = { onFailure: { destinationArn: eventsDlq.arn } };
      },
    },
  },
);
