import { Field, ID, ObjectType } from 'type-graphql';
import type { Baseline, EvaluationTarget as Target } from '../../schema/evaluation.js';
import { BaselineEnum, EvaluationTargetKindEnum } from '../enums.js';

@ObjectType({ description: 'What an EVALUATE job evaluates: the id (or baseline) matching kind is set' })
export class EvaluationTarget {
  @Field(() => EvaluationTargetKindEnum)
  kind!: keyof typeof EvaluationTargetKindEnum;

  @Field(() => ID, { nullable: true })
  runId!: string | null;

  @Field(() => ID, { nullable: true })
  checkpointId!: string | null;

  @Field(() => BaselineEnum, { nullable: true })
  baseline!: Baseline | null;
}

export function toTarget(target: Target): EvaluationTarget {
  const none = { runId: null, checkpointId: null, baseline: null };
  switch (target.kind) {
    case 'run':
      return { ...none, kind: 'RUN', runId: target.runId };
    case 'checkpoint':
      return { ...none, kind: 'CHECKPOINT', checkpointId: target.checkpointId };
    case 'baseline':
      return { ...none, kind: 'BASELINE', baseline: target.baseline };
    default:
      return target satisfies never;
  }
}
