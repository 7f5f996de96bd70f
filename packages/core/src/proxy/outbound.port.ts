/** A request leaving connvault for a third party: the proxy's upstream call, a token endpoint, a credential check. */
export interface OutboundRequest {
  url: URL;
  method: string;
  /** Header fields in order; a name may repeat. */
  headers: [string, string][];
  body: Uint8Array | null;
}

export interface OutboundResponse {
  status: number;
  /** Header fields in order, hop-by-hop fields removed; a name may repeat (Set-Cookie). */
  headers: [string, string][];
  body: Uint8Array;
}

/**
 * The one way out of connvault. Implementations check the address actually connected to against the
 * allowed networks, never follow redirects (a 3xx is an answer like any other), and bound the time and
 * the size of what they read: DestinationNotAllowedError, UpstreamUnreachableError,
 * UpstreamTimeoutError and UpstreamResponseTooLargeError say which bound was hit.
 */
export interface OutboundHttp {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

/** What the proxy counts: calls relayed (with the upstream's latency) and calls refused, by code. */
export interface ProxyMetrics {
  relayed(status: number, upstreamMs: number): void;
  refused(code: string): void;
}
