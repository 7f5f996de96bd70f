import { z } from "zod";
import shipped from "./catalog.json" with { type: "json" };
import { Connector } from "./connector.ts";

/** The connector catalog that ships with connvault, validated when loaded. */
export const catalog = (): Connector[] => z.array(Connector).parse(shipped);
