import type { ReconcilerReport } from "@connvault/core";
import type { ReconcilerServices } from "../composition.ts";

/**
 * The reconciler function, run on a schedule (the event carries nothing it uses): one bounded pass
 * of the reconciler, its report logged and returned. Failed items are logged as a warning and
 * retried by a later run; a failure of the run itself is thrown, so Lambda reports it.
 */
export const createReconcilerHandler =
  (services: ReconcilerServices) =>
  async (_event?: unknown): Promise<ReconcilerReport> => {
    const report = await services.reconciler.run();
    if (report.failures.length > 0) services.logger.warn("Reconciled, with failures", { report });
    else services.logger.info("Reconciled", { report });
    return report;
  };
