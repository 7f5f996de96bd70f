import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { z } from "zod";
import { translateAwsError } from "../aws-errors.ts";
import { KEY_ATTRIBUTES } from "./keys.ts";

export const SCHEMA_VERSION = 1;
type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/**
 * The table as the stores see it: items carry `entity` and `schema_version`, reads are parsed with
 * zod, AWS failures are translated, and a failed condition comes back as `false` instead of an error.
 */
export class Table {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /** Writes an item; false when `condition` does not hold. */
  async put(entity: string, keys: Item, data: object, condition?: string): Promise<boolean> {
    const input: PutCommandInput = {
      TableName: this.name,
      Item: { ...data, ...keys, entity, schema_version: SCHEMA_VERSION },
      ...(condition ? { ConditionExpression: condition } : {}),
    };
    return this.send(() => this.client.send(new PutCommand(input)));
  }

  async get<S extends z.ZodType>(schema: S, key: Key): Promise<z.output<S> | null> {
    const result = await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.name, Key: key })),
    );
    return result.Item ? parseItem(schema, result.Item) : null;
  }

  /** Deletes an item; false when `condition` does not hold. */
  delete(key: Key, condition?: string): Promise<boolean> {
    return this.send(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.name,
          Key: key,
          ...(condition ? { ConditionExpression: condition } : {}),
        }),
      ),
    );
  }

  async query(input: Omit<QueryCommandInput, "TableName">) {
    return this.call(() => this.client.send(new QueryCommand({ TableName: this.name, ...input })));
  }

  private async send(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(write);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
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
