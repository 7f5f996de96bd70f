import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { z } from "zod";
import { translateAwsError } from "../aws-errors.ts";
import { KEY_ATTRIBUTES } from "./keys.ts";

export const SCHEMA_VERSION = 1;
type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/** A condition expression with its placeholders. */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** A Query or Scan of the table, with plain JavaScript values where DynamoDB wants attribute values. */
export interface TableRead {
  IndexName?: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Record<string, unknown> | undefined;
}

/** One page of a Query or Scan, unmarshalled. */
export interface TablePage {
  Items: Item[];
  LastEvaluatedKey?: Item | undefined;
}

// Maps carry caller-chosen keys: one named `constructor` must not make marshall take it for a class.
const toAttributes = (values: Item) =>
  marshall(values, { removeUndefinedValues: true, convertClassInstanceToMap: true });

const conditionInput = (condition?: Condition) =>
  condition
    ? {
        ConditionExpression: condition.expression,
        ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
        ...(condition.values ? { ExpressionAttributeValues: toAttributes(condition.values) } : {}),
      }
    : {};

const readInput = ({ ExpressionAttributeValues, ExclusiveStartKey, ...rest }: TableRead) => ({
  ...rest,
  ...(ExpressionAttributeValues
    ? { ExpressionAttributeValues: toAttributes(ExpressionAttributeValues) }
    : {}),
  ...(ExclusiveStartKey ? { ExclusiveStartKey: toAttributes(ExclusiveStartKey) } : {}),
});

type Attributes = Record<string, AttributeValue>;

const toPage = (output: { Items?: Attributes[]; LastEvaluatedKey?: Attributes }): TablePage => ({
  Items: (output.Items ?? []).map((item) => unmarshall(item)),
  LastEvaluatedKey: output.LastEvaluatedKey ? unmarshall(output.LastEvaluatedKey) : undefined,
});

/**
 * The table as the stores see it: items carry `entity` and `schema_version`, reads are parsed with
 * zod, AWS failures are translated, and a failed condition comes back as `false`/`null` instead of
 * an error. It marshals with `@aws-sdk/util-dynamodb` over the low-level client rather than through
 * lib-dynamodb's document client, whose commands resolve the SDK middleware stack anew on every call
 * and cannot use the client's `cacheMiddleware` (a cached document command replays its first input):
 * about 110 µs per call on the bench's machine (BENCHMARKS.md).
 */
export class Table {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
  ) {}

  /** Writes an item; false when `condition` does not hold. */
  async put(entity: string, keys: Item, data: object, condition?: Condition): Promise<boolean> {
    const item = { ...data, ...keys, entity, schema_version: SCHEMA_VERSION };
    const command = new PutItemCommand({
      TableName: this.name,
      Item: toAttributes(item),
      ...conditionInput(condition),
    });
    return (await this.conditional(() => this.client.send(command))) !== null;
  }

  /** `consistent` reads the latest write (a read that decides a write must be); same round trip. */
  async get<S extends z.ZodType>(
    schema: S,
    key: Key,
    options: { consistent?: boolean } = {},
  ): Promise<z.output<S> | null> {
    const command = new GetItemCommand({
      TableName: this.name,
      Key: toAttributes(key),
      ...(options.consistent ? { ConsistentRead: true } : {}),
    });
    const result = await this.call(() => this.client.send(command));
    return result.Item ? parseItem(schema, unmarshall(result.Item)) : null;
  }

  /** Deletes an item and returns what it held; null when `condition` does not hold or nothing was there. */
  async delete<S extends z.ZodType>(schema: S, key: Key, condition?: Condition): Promise<z.output<S> | null> {
    const command = new DeleteItemCommand({
      TableName: this.name,
      Key: toAttributes(key),
      ReturnValues: "ALL_OLD",
      ...conditionInput(condition),
    });
    const result = await this.conditional(() => this.client.send(command));
    return result?.Attributes ? parseItem(schema, unmarshall(result.Attributes)) : null;
  }

  async query(input: TableRead): Promise<TablePage> {
    const command = new QueryCommand({ TableName: this.name, ...readInput(input) });
    return toPage(await this.call(() => this.client.send(command)));
  }

  /** One Scan call (scheduled jobs only; requests never scan). */
  async scan(input: Omit<TableRead, "KeyConditionExpression" | "ScanIndexForward">): Promise<TablePage> {
    const command = new ScanCommand({ TableName: this.name, ...readInput(input) });
    return toPage(await this.call(() => this.client.send(command)));
  }

  private async conditional<T>(write: () => Promise<T>): Promise<T | null> {
    try {
      return await this.call(write);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw translateAwsError(error, "DynamoDB");
    }
  }
}

/** Strips the table's own attributes and parses what remains. */
export function parseItem<S extends z.ZodType>(schema: S, item: Item): z.output<S> {
  const data = { ...item };
  for (const attribute of KEY_ATTRIBUTES) delete data[attribute];
  return schema.parse(data);
}

export const NOT_EXISTS: Condition = { expression: "attribute_not_exists(pk)" };
