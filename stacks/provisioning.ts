import { writeOnlySecrets } from "./credentials";
import { bus } from "./events";
import { connvaultFunction } from "./functions";
import { tableAccess } from "./storage";

/** Messages that still fail after 5 deliveries (retryable errors only: others are final at once). */
export const provisioningDlq = new sst.aws.Queue("ProvisioningDlq", {
  transform: { queue: { messageRetentionSeconds: 1_209_600 } },
});

export const provisioningQueue = new sst.aws.Queue("Provisioning", {
  visibilityTimeout: "5 minutes",
  dlq: { queue: provisioningDlq.arn, retry: 5 },
});

/**
 * At most 2 concurrent provisioners, each pacing itself to 20 messages a second: bulk provisioning
 * stays under Secrets Manager's 50 writes/s per account and region, whatever the queue depth.
 */
export const provisioner = provisioningQueue.subscribe(
  connvaultFunction("provisioner", {
    timeout: "4 minutes",
    permissions: [tableAccess, ...writeOnlySecrets, { actions: ["events:PutEvents"], resources: [bus.arn] }],
    environment: { CONNVAULT_EVENT_BUS: bus.name },
  }),
  {
    batch: { size: 10, window: "1 second", partialResponses: true },
    transform: {
      eventSourceMapping: (args) => {
        args.scalingConfig = { maximumConcurrency: 2 };
      },
    },
  },
);
