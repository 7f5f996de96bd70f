import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { ProxyMetrics } from "@connvault/core";

/**
 * The proxy's CloudWatch metrics as embedded metric format lines (Powertools), namespace `connvault`:
 * `ProxyCalls`, `ProxyUpstreamLatency` (ms), `ProxyUpstreamErrors` (5xx answers) and `ProxyRefusals`,
 * whose code goes in the line's metadata. The app publishes them after every request.
 */
export class PowertoolsProxyMetrics implements ProxyMetrics {
  constructor(private readonly metrics: Metrics) {}

  relayed(status: number, upstreamMs: number): void {
    this.metrics.addMetric("ProxyCalls", MetricUnit.Count, 1);
    this.metrics.addMetric("ProxyUpstreamLatency", MetricUnit.Milliseconds, upstreamMs);
    if (status >= 500) this.metrics.addMetric("ProxyUpstreamErrors", MetricUnit.Count, 1);
  }

  refused(code: string): void {
    this.metrics.addMetric("ProxyRefusals", MetricUnit.Count, 1);
    this.metrics.addMetadata("refusal", code);
  }
}
