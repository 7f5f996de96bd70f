import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
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

const conditionInput = (condition?: Condition) =>
  condition
    ? {
        ConditionExpression: condition.expression,
        ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
        ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
      }
    : {};

/**
 * The table as the stores see it: items carry `entity` and `schema_version`, reads are parsed with
 * zod, AWS failures are translated, and a failed condition comes back as `false`/`null` instead of
 * an error.
 */
export class Table {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /** Writes an item; false when `condition` does not hold. */
  async put(entity: string, keys: Item, data: object, condition?: Condition): Promise<boolean> {
    const item = { ...data, ...keys, entity, schema_version: SCHEMA_VERSION };
    const command = new PutCommand({ TableName: this.name, Item: item, ...conditionInput(condition) });
    return (await this.conditional(() => this.client.send(command))) !== null;
  }

  async get<S extends z.ZodType>(schema: S, key: Key): Promise<z.output<S> | null> {
    const result = await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.name, Key: key })),
    );
    return result.Item ? parseItem(schema, result.Item) : null;
  }

  /** Deletes an item and returns what it held; null when `condition` does not hold or nothing was there. */
  async delete<S extends z.ZodType>(schema: S, key: Key, condition?: Condition): Promise<z.output<S> | null> {
    const command = new DeleteCommand({
      TableName: this.name,
      Key: key,
      ReturnValues: "ALL_OLD",
      ...conditionInput(condition),
    });
    const result = await this.conditional(() => this.client.send(command));
    return result?.Attributes ? parseItem(schema, result.Attributes) : null;
  }

  query(input: Omit<QueryCommandInput, "TableName">) {
    return this.call(() => this.client.send(new QueryCommand({ TableName: this.name, ...input })));
  }

  /** One Scan call (scheduled jobs only; requests never scan). */
  scan(input: Omit<ScanCommandInput, "TableName">) {
    return this.call(() => this.client.send(new ScanCommand({ TableName: this.name, ...input })));
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
