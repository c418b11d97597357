import { Field, InputType, Int } from 'type-graphql';
import type { ExperimentPreset } from '../../schema/experiment.js';
import { ExperimentPresetEnum } from '../enums.js';
import { badUserInput } from '../errors.js';

@InputType()
export class CreateExperimentInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class StartExperimentInput {
  @Field(() => ExperimentPresetEnum, { description: 'smoke (under 2 minutes here), quick (under 10), paper-cpu (under 60)' })
  preset!: ExperimentPreset;

  @Field(() => [Int], { nullable: true, description: 'Training seeds, 1 to 10 distinct; default the preset’s (1, 2, 3 for quick and paper-cpu)' })
  seeds?: number[] | null;

  @Field(() => Int, { nullable: true, description: 'Training steps of every run; default the preset’s' })
  steps?: number | null;

  @Field(() => Int, { nullable: true, description: 'Runs training at the same time at most, across workers (default: all); the preset runs as a sweep (Experiment.sweep, sweepProgress)' })
  maxParallel?: number | null;

  @Field(() => String, { nullable: true, description: 'Default: "<preset> <date and time>"' })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 10_000;

/** Trims the name; names are unique, so surrounding spaces would make look-alike duplicates. */
export function checkExperimentInput(input: { name: string; description?: string | null }, path = 'input') {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw badUserInput(`${path}.name`, input.name, `must be 1..${MAX_NAME_LENGTH} characters (not counting surrounding spaces)`);
  }
  const description = input.description ?? null;
  if (description !== null && description.length > MAX_DESCRIPTION_LENGTH) {
    throw badUserInput(`${path}.description`, `${description.slice(0, 20)}...`, `is longer than ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return { name, description };
}
