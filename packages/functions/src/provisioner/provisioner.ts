import { setTimeout as sleep } from "node:timers/promises";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import {
  CreateConnectionInput,
  DomainError,
  deterministicId,
  type KeyPrincipal,
  NotFoundError,
  ProvisioningMessage,
  parse,
  RotateCredentialsInput,
  UpdateConnectionInput,
  ValidationError,
} from "@connvault/core";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import type { ProvisionerServices } from "../composition.ts";

export interface ProvisionerOptions {
  /** At most this many messages a second per instance; with the queue's concurrency cap it keeps bulk
   * provisioning under Secrets Manager's 50 writes/s. */
  messagesPerSecond: number;
}

/** Failures worth another delivery: a transient domain error (`retryable`), or one no domain error explains. */
const retryable = (error: unknown) => !(error instanceof DomainError) || error.retryable;

/**
 * The provisioner: SQS messages in, the same validation and idempotency as HTTP (the message's
 * idempotency_key). Retryable failures become batch item failures (redelivered, then the DLQ);
 * anything else is final: a `connection.provisioning_failed` event and no retry.
 */
export function createProvisionerHandler(
  services: ProvisionerServices,
  options: ProvisionerOptions = { messagesPerSecond: 20 },
) {
  const { connections } = services;
  let nextStart = 0;

  const apply = async (message: ProvisioningMessage) => {
    const actor: KeyPrincipal = {
      kind: "key",
      organization_id: message.organization_id,
      user_id: message.actor_user_id,
      role: "admin",
      api_key_id: "provisioner",
    };
    const target = (field: "connector_id" | "connection_id") => {
      const value = message[field];
      if (!value) throw ValidationError.at(field, "required", `${message.action} needs ${field}`);
      return value;
    };
    switch (message.action) {
      case "create":
        return connections.create(
          actor,
          target("connector_id"),
          parse(CreateConnectionInput, message.body),
          message.idempotency_key,
        );
      case "update":
        return connections.update(actor, target("connection_id"), parse(UpdateConnectionInput, message.body));
      case "rotate_credentials":
        return connections.rotateCredentials(
          actor,
          target("connection_id"),
          parse(RotateCredentialsInput, message.body),
        );
      case "delete": {
        const force = (message.body as { force?: unknown } | undefined)?.force === true;
        // A redelivered delete finds nothing left to delete: that is success, not a failure.
        return connections.delete(actor, target("connection_id"), { force }).catch((error: unknown) => {
          if (!(error instanceof NotFoundError)) throw error;
        });
      }
    }
  };

  const handleRecord = async (record: SQSRecord) => {
    const wait = nextStart - Date.now();
    nextStart = Math.max(Date.now(), nextStart) + 1000 / options.messagesPerSecond;
    if (wait > 0) await sleep(wait);
    let message: ProvisioningMessage | undefined;
    try {
      message = parse(ProvisioningMessage, JSON.parse(record.body));
      await apply(message);
    } catch (error) {
      if (error instanceof SyntaxError || !retryable(error)) return publishFailure(record, message, error);
      throw error;
    }
  };

  /** The failure event: which message and why — never the body, which may carry credentials. */
  const publishFailure = async (
    record: SQSRecord,
    message: ProvisioningMessage | undefined,
    error: unknown,
  ) => {
    const reason =
      error instanceof DomainError
        ? { code: error.code, message: error.message, errors: error.details }
        : { code: "malformed_message", message: "The message body is not JSON" };
    services.logger.warn("provisioning failed", { message_id: record.messageId, code: reason.code });
    await services.events.publish([
      {
        type: "connection.provisioning_failed",
        detail: {
          event_id: deterministicId("evt", record.messageId, "provisioning_failed"),
          occurred_at: new Date().toISOString(),
          organization_id: message?.organization_id ?? "",
          actor: message ? { type: "user", id: message.actor_user_id } : null,
          connection: null,
          message: {
            message_id: record.messageId,
            action: message?.action ?? null,
            idempotency_key: message?.idempotency_key ?? null,
            connector_id: message?.connector_id ?? null,
            connection_id: message?.connection_id ?? null,
          },
          error: reason,
        },
      },
    ]);
  };

  // A batch that fails whole (a throttling episode) is answered like any other: every message as a
  // batch item failure, for SQS to redeliver, rather than a Lambda error and an alarm each time.
  return (event: SQSEvent) =>
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
}
