import { Field, InputType } from 'type-graphql';
import { badUserInput } from '../errors.js';

@InputType()
export class CreateExperimentInput {
  @Field(() => String)
  name!: string;

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
