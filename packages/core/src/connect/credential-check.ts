import type { SecurityInput } from "../connections/connection.ts";
import { type ConnectorRecord, findVersion } from "../connectors/connector.ts";
import type { OutboundHttp } from "../proxy/outbound.port.ts";
import { upstreamRequest } from "../proxy/proxy.ts";
import { DomainError, ValidationError } from "../shared/errors.ts";

/**
 * A connector version's `verify` call, made with credentials a person just entered, before anything is
 * stored: the request is built as the proxy builds one (the connector's servers and security scheme)
 * and sent through the same safe outbound client. An answer other than the expected status (any 2xx
 * when none is given), or no answer, refuses the credentials with a message for the form.
 */
export class CredentialCheck {
  constructor(private readonly http: OutboundHttp) {}

  /** `version`: the connection's pinned version (null: the latest), whose `verify` applies. */
  async verify(connector: ConnectorRecord, version: string | null, security: SecurityInput): Promise<void> {
    const found = findVersion(connector, version);
    const verify = found?.verify;
    if (!found || !verify) return;
    const { request } = upstreamRequest(
      { target_system_servers: [], general_params: [] },
      found,
      { security },
      { method: verify.method, path: verify.path, query: "", headers: [], body: null },
    );
    let status: number;
    try {
      status = (await this.http.send(request)).status;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw ValidationError.at(
        "security",
        "not_verified",
        `${connector.name} could not be reached to check these credentials. Try again in a moment.`,
      );
    }
    const accepted =
      verify.expect_status === undefined ? status >= 200 && status < 300 : status === verify.expect_status;
    if (!accepted) {
      throw ValidationError.at(
        "security",
        "rejected",
        `${connector.name} did not accept these credentials (it answered ${status}). Check them and try again.`,
      );
    }
  }
}
