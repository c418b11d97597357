import { Authorized, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { checkpointShown } from '../files/shown.js';
import { findReports } from '../evaluation/evaluation.service.js';
import { EvaluationReport } from '../evaluation/report.type.js';
import { Checkpoint } from './checkpoint.type.js';

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Checkpoint)
export class CheckpointResolver {
  @FieldResolver(() => String, { description: 'Folder of the checkpoint relative to the checkpoint folder of the worker that wrote it (CHECKPOINT_DIR): <runId>/step-<step>' })
  location(@Root() checkpoint: Checkpoint): string {
    return checkpointShown(checkpoint.location);
  }

  @FieldResolver(() => [EvaluationReport], { description: 'Oldest first' })
  evaluations(@Root() checkpoint: Checkpoint, @Ctx() { services }: ApiContext): Promise<EvaluationReport[]> {
    return findReports(services, { checkpointId: checkpoint.id }, 'asc');
  }
}
