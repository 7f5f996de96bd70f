import { api, apiFunction } from "./api";
import { connectFunction } from "./connect";
import { customResourceFunction } from "./custom-resource";
import { eventsDlq, eventsSubscription } from "./events";
import { oauthFunction } from "./oauth";
import { provisioner, provisioningDlq } from "./provisioning";
import { proxyFunction } from "./proxy";
import { reconciler } from "./reconciler";
import { resolverFunction } from "./resolver";

/** Subscribe to this topic (email, chat, pager) to hear about the alarms below. */
export const alarmTopic = new sst.aws.SnsTopic("Alarms");

/** An alarm when one minute's value of the metric reaches the threshold. */
const alarm = (
  name: string,
  args: Pick<
    aws.cloudwatch.MetricAlarmArgs,
    "alarmDescription" | "namespace" | "metricName" | "dimensions"
  > & {
    statistic?: "Sum" | "Maximum";
    threshold?: number;
  },
) =>
  new aws.cloudwatch.MetricAlarm(name, {
    statistic: "Sum",
    threshold: 1,
    ...args,
    period: 60,
    evaluationPeriods: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
    treatMissingData: "notBreaching",
  });

alarm("ApiServerErrors", {
  alarmDescription: "The HTTP API answered 5xx (connvault never should)",
  namespace: "AWS/ApiGateway",
  metricName: "5xx",
  dimensions: { ApiId: api.nodes.api.id },
});

alarm("ApiFunctionThrottles", {
  alarmDescription: "The api function was throttled",
  namespace: "AWS/Lambda",
  metricName: "Throttles",
  dimensions: { FunctionName: apiFunction.name },
});

const functions = {
  Api: apiFunction.name,
  OAuth: oauthFunction.name,
  Resolver: resolverFunction.name,
  Proxy: proxyFunction.name,
  Connect: connectFunction.name,
  Events: eventsSubscription.nodes.function.name,
  Provisioner: provisioner.nodes.function.name,
  Reconciler: reconciler.nodes.function.name,
  CustomResource: customResourceFunction.name,
};
for (const [name, functionName] of Object.entries(functions)) {
  alarm(`${name}FunctionErrors`, {
    alarmDescription: `The ${name} function reported an error (a crash, a timeout or an unhandled failure)`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: functionName },
  });
}

for (const [name, queue] of [
  ["EventsDlq", eventsDlq],
  ["ProvisioningDlq", provisioningDlq],
] as const) {
  alarm(`${name}Depth`, {
    alarmDescription: `${name} holds messages: something failed for good; inspect and replay them`,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    statistic: "Maximum",
    dimensions: { QueueName: queue.nodes.queue.name },
  });
}

alarm("EventsIteratorAge", {
  alarmDescription: "Lifecycle events lag the table's stream by 5 minutes or more",
  namespace: "AWS/Lambda",
  metricName: "IteratorAge",
  statistic: "Maximum",
  threshold: 300_000,
  dimensions: { FunctionName: eventsSubscription.nodes.function.name },
});
