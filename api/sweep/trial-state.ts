// A sweep trial's state, from its run and its evaluation. Pure.

export const SWEEP_TRIAL_STATES = ['PENDING', 'RUNNING', 'EVALUATING', 'DONE', 'STOPPED_EARLY', 'FAILED', 'CANCELLED'] as const;
export type SweepTrialState = (typeof SWEEP_TRIAL_STATES)[number];

export interface TrialFacts {
  runStatus: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  stopReason: string | null;
  /** Its evaluation job's status; null before one exists. */
  evaluation: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | null;
}

export function trialState({ runStatus, stopReason, evaluation }: TrialFacts): SweepTrialState {
  switch (runStatus) {
    case 'QUEUED':
      return 'PENDING';
    case 'RUNNING':
      return 'RUNNING';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'SUCCEEDED':
      if (stopReason === 'MEDIAN_RULE') return 'STOPPED_EARLY';
      switch (evaluation) {
        case null:
        case 'QUEUED':
        case 'RUNNING':
          return 'EVALUATING';
        case 'SUCCEEDED':
          return 'DONE';
        case 'FAILED':
        case 'CANCELLED':
          return 'FAILED';
        default:
          return evaluation satisfies never;
      }
    default:
      return runStatus satisfies never;
  }
}

/** States after which nothing more happens to a trial. */
export const FINAL_TRIAL_STATES: ReadonlySet<SweepTrialState> = new Set(['DONE', 'STOPPED_EARLY', 'FAILED', 'CANCELLED']);
