import type { TestProject } from "vitest/node";
import { type Backend, startDynamoDbLocal, startMoto } from "./backends.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** DynamoDB Local, shared by the run: isolate by table name. */
    dynamoDbLocalUrl: string;
    /** moto, shared by the run: never reset it (a file that needs an empty moto starts its own). */
    motoUrl: string;
  }
}

/** One DynamoDB Local and one moto for the whole conformance run, started side by side. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = await Promise.allSettled([startDynamoDbLocal(), startMoto()]);
  const backends = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stopAll = async () => {
    await Promise.all(backends.map((backend: Backend) => backend.stop()));
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [dynamo, moto] = backends as [Backend, Backend];
  project.provide("dynamoDbLocalUrl", dynamo.url);
  project.provide("motoUrl", moto.url);
  return stopAll;
}
