import { api, apiFunction } from "./api";

/** Subscribe to this topic (email, chat, pager) to hear about the alarms below. */
export const alarmTopic = new sst.aws.SnsTopic("Alarms");

const alarm = (name: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">) =>
  new aws.cloudwatch.MetricAlarm(name, {
    ...args,
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
    treatMissingData: "notBreaching",
  });

alarm("ApiServerErrors", {
  alarmDescription: "The HTTP API answered 5xx (connvault never should)",
  namespace: "AWS/ApiGateway",
  metricName: "5xx",
  dimensions: { ApiId: api.nodes.api.id },
  statistic: "Sum",
  period: 60,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
});

for (const [name, metricName] of [
  ["ApiFunctionErrors", "Errors"],
  ["ApiFunctionThrottles", "Throttles"],
] as const) {
  alarm(name, {
    alarmDescription: `The api function reported ${metricName}`,
    namespace: "AWS/Lambda",
    metricName,
    dimensions: { FunctionName: apiFunction.name },
    statistic: "Sum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
  });
}
