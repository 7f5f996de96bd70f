export { type BootOptions, bootLocal, type LocalStack } from "./boot.ts";
export { type Edge, type EdgeOptions, LOCAL_ACCOUNT_ID, LOCAL_REGION, startEdge } from "./edge.ts";
export { EventSink, type SinkEvent } from "./event-sink.ts";
export { ensureRootKey, generateServerKey } from "./root-key.ts";
export { SqsEmulator, type SqsEmulatorOptions } from "./sqs.ts";
