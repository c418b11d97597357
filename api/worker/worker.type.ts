import { Field, Float, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A worker process as last reported by itself' })
export class Worker {
  @Field(() => ID)
  id!: string;

  @Field(() => [String], { description: 'Job kinds it accepts' })
  capabilities!: string[];

  @Field(() => String, { nullable: true, description: 'Compute backend, e.g. wasm or torch' })
  backend!: string | null;

  @Field(() => [String], { description: 'Worker classes whose jobs it takes, preferred in this order (cpu, gpu)' })
  workerClasses!: string[];

  @Field(() => Float, { nullable: true, description: 'Memory of its host, in bytes' })
  hostMemoryBytes!: number | null;

  @Field(() => Float, { nullable: true, description: 'Memory of its GPU, in bytes (nvidia-smi or WORKER_DEVICE_MEMORY_BYTES); null on CPU workers or when unknown' })
  deviceMemoryBytes!: number | null;

  @Field(() => [String], { description: 'Model families it trains' })
  modelFamilies!: string[];

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date)
  lastSeen!: Date;
}
