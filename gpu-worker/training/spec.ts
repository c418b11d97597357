// Reads a run's stored specification (Run row: model and hyperParameters are Json columns) into
// a complete TrainingSpec with the gateway's schema. Invalid values are non-retryable failures,
// since no redelivery can fix them.

import { nonRetryable } from '../../schema/jobs.js';
import type { TrainingSpec } from '../../schema/training.js';
import { describeIssue, storedTrainingSpecSchema } from '../../schema/training-validation.js';

export interface StoredRun {
  strategy: string;
  alpha: number;
  model: unknown;
  trainDatasets: string[];
  languages: string[];
  seed: number;
  hyperParameters: unknown;
  /** A newer column: rows read through an older generated client do not have it. */
  evaluationSuites?: unknown;
  evaluationDatasets?: unknown;
}

export function parseTrainingSpec(run: StoredRun): TrainingSpec {
  const parsed = storedTrainingSpecSchema.safeParse(run, { reportInput: true });
  if (!parsed.success) throw nonRetryable(`invalid training spec: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  return parsed.data;
}
