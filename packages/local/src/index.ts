export { type Edge, type EdgeOptions, LOCAL_ACCOUNT_ID, LOCAL_REGION, startEdge } from "./edge.ts";
