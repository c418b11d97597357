// How folders written by workers are shown by the API. Each worker has its own CHECKPOINT_DIR and
// REPORTS_DIR (they need not agree with each other nor with the gateway), but the layout below
// them is fixed: <CHECKPOINT_DIR>/<runId>/step-<n> (gpu-worker/encoding/checkpoint.ts checkpointPath)
// and <REPORTS_DIR>/<experimentId> (gpu-worker/experiment/report-job.ts). So the part relative to
// the worker's folder is the path's tail, and the server's layout above it never shows.

import { tail } from './confined.js';

/** <runId>/step-<n>: the checkpoint relative to the checkpoint folder. */
export const checkpointShown = (location: string): string => tail(location, 2);

/** <experimentId>: the report folder relative to the reports folder. */
export const reportShown = (reportPath: string): string => tail(reportPath, 1);
