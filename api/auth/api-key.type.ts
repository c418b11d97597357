import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An API key; its secret is shown only by createApiKey' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'reader, trainer or admin' })
  role!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Updated at most once a minute' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  key!: ApiKey;

  @Field(() => String, { description: 'The key to send as "Authorization: Bearer <secret>"; shown once, stored only hashed' })
  secret!: string;
}

@ObjectType({ description: 'Who the caller is' })
export class Viewer {
  @Field(() => String, { description: 'The key name, or "open" when the gateway runs without keys' })
  name!: string;

  @Field(() => String)
  role!: string;
}
