import { Authorized, Arg, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { ApiContext } from '../context.js';
import type { RunStatusEvent } from '../../schema/events.js';
import { openProgressStream } from './progress-stream.js';
import { RunStatusChange, TrainingProgress } from './progress.type.js';

interface ProgressArgs {
  runId: string;
  sinceStep?: number | null;
}

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver()
export class ProgressResolver {
  @Subscription(() => TrainingProgress, {
    description: 'Stored steps from sinceStep on, then live steps; completes after the run ends with an item carrying its final status',
    subscribe: ({ args, context }) => {
      const { runId, sinceStep } = args as ProgressArgs;
      return openProgressStream((context as ApiContext).services, runId, sinceStep);
    },
  })
  trainingProgress(
    @Root() item: TrainingProgress,
    @Arg('runId', () => ID) _runId: string,
    @Arg('sinceStep', () => Int, { nullable: true, description: 'Default 0: replay every stored step' }) _sinceStep?: number,
  ): TrainingProgress {
    return item;
  }

  @Subscription(() => RunStatusChange, {
    description: 'Status changes of one run, or of every run when runId is omitted',
    topics: 'RUN_STATUS',
    filter: ({ payload, args }) => {
      const { runId } = args as { runId?: string | null };
      return !runId || (payload as RunStatusEvent).runId === runId;
    },
  })
  runStatusChanged(@Root() event: RunStatusEvent, @Arg('runId', () => ID, { nullable: true }) _runId?: string): RunStatusChange {
    return { runId: event.runId, status: event.status, error: event.error, at: new Date(event.at) };
  }
}
