import type { DataFactoryManagementClient, RunFilterParameters } from "@azure/arm-datafactory";
import type { FactoryTarget } from "../factory/target";

/**
 * What the Copy activities of one pipeline run say they did, read through
 * ARM "Activity Runs - Query By Pipeline Run" (POST
 * .../pipelineruns/{runId}/queryActivityruns, api-version 2018-06-01:
 * learn.microsoft.com/rest/api/datafactory/activity-runs, "Query By Pipeline Run";
 * @azure/arm-datafactory `activityRuns.queryByPipelineRun`). The activities
 * a ForEach runs are activity runs of the same pipeline run, each with its
 * own `output` (azure-rest-api-specs, datafactory 2018-06-01 example
 * ActivityRuns_QueryByPipelineRun.json: a ForEach row and a Copy row).
 *
 * A binary copy's output carries `filesRead`, `filesWritten` and
 * `filesSkipped` (learn.microsoft.com/azure/data-factory/copy-activity-fault-tolerance,
 * "Monitoring", "Output from copy activity"); a copy that skipped nothing
 * may leave `filesSkipped` out (the monitoring page's property table,
 * learn.microsoft.com/azure/data-factory/copy-activity-monitoring, does not
 * list it), so an absent count is 0.
 */
export interface CopyTotals {
  /** Copy activity runs that succeeded (failed attempts the activity policy retried are not counted). */
  copies: number;
  filesRead: number;
  filesWritten: number;
  filesSkipped: number;
}

/** The run's window as ARM returned it (PipelineRun.runStart / runEnd). */
export interface RunTimes {
  runId: string;
  runStart?: Date;
  runEnd?: Date;
}

/** Result pages read at most: far above one Copy per list (plus policy retries), so a service that keeps paging cannot loop us. */
const MAX_PAGES = 1000;
/**
 * The query must bound the activity runs' update time. They update between
 * the pipeline run's start and end; a day either side costs nothing (the
 * query is for one run id) and tolerates clock skew between ADF's services.
 */
const MARGIN_MS = 86_400_000;

/** Sums the outputs of the run's succeeded Copy activity runs, following continuationToken. `arm` is the caller's retrying, counting ARM call. */
export async function copyTotals(
  factory: { client: DataFactoryManagementClient; target: FactoryTarget },
  run: RunTimes,
  arm: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<CopyTotals> {
  const { client, target } = factory;
  const start = (run.runStart ?? new Date()).getTime();
  const end = (run.runEnd ?? new Date()).getTime();
  // Operands allowed for activity runs: ActivityName, ActivityRunStart, ActivityRunEnd, ActivityType, Status (RunQueryFilter.operand, @azure/arm-datafactory).
  const filter: RunFilterParameters = {
    lastUpdatedAfter: new Date(start - MARGIN_MS),
    lastUpdatedBefore: new Date(end + MARGIN_MS),
    filters: [
      { operand: "ActivityType", operator: "Equals", values: ["Copy"] },
      { operand: "Status", operator: "Equals", values: ["Succeeded"] },
    ],
  };
  const totals: CopyTotals = { copies: 0, filesRead: 0, filesWritten: 0, filesSkipped: 0 };
  let continuationToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await arm(() => client.activityRuns.queryByPipelineRun(target.resourceGroupName, target.factoryName, run.runId, { ...filter, continuationToken }));
    for (const a of res.value) {
      const out = (a.output ?? {}) as Record<string, unknown>;
      totals.copies++;
      totals.filesRead += count(out.filesRead);
      totals.filesWritten += count(out.filesWritten);
      totals.filesSkipped += count(out.filesSkipped);
    }
    continuationToken = res.continuationToken ?? undefined;
    if (!continuationToken) return totals;
  }
  throw new Error(`catch-up run ${run.runId}: its activity runs were still paging after ${MAX_PAGES} pages; check the run in Data Factory Studio (Monitor)`);
}

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
