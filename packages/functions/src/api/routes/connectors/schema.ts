import { Connector as ConnectorShape } from "@connvault/core";
import { z } from "@hono/zod-openapi";

export const Connector = ConnectorShape;
export const ConnectorParams = z.object({
  connector_id: z
    .string()
    .max(64)
    .meta({ param: { name: "connector_id", in: "path" }, example: "slack" }),
});
