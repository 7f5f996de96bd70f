/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "connvault",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  /** Stacks load in a fixed order; each may use what the earlier ones export. */
  async run() {
    const storage = await import("./stacks/storage");
    const credentials = await import("./stacks/credentials");
    const api = await import("./stacks/api");
    await import("./stacks/oauth");
    await import("./stacks/connect");
    const resolver = await import("./stacks/resolver");
    await import("./stacks/proxy");
    const events = await import("./stacks/events");
    const provisioning = await import("./stacks/provisioning");
    await import("./stacks/reconciler");
    const customResource = await import("./stacks/custom-resource");
    const alarms = await import("./stacks/alarms");
    return {
      api: api.api.url,
      table: storage.table.name,
      secretPrefix: credentials.secretPrefix,
      kmsKey: credentials.key.arn,
      resolver: resolver.resolverFunction.arn,
      bus: events.bus.name,
      queue: provisioning.provisioningQueue.url,
      customResourceServiceToken: customResource.customResourceFunction.arn,
      alarms: alarms.alarmTopic.arn,
    };
  },
});
