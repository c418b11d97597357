import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { isSweepPlan } from '../../schema/sweep.js';
import { badUserInput } from '../errors.js';
import type { ApiContext } from '../context.js';
import { Experiment } from '../experiment/experiment.type.js';
import { StartSweepInput } from './sweep.input.js';
import { cancelSweep, startSweep } from './sweep.service.js';
import { openSweepProgress } from './sweep-progress.js';
import { loadSweep } from './sweep-state.js';
import { Sweep } from './sweep.type.js';

// Every field here needs a key (any role); mutations name the role they need on top.
@Authorized('reader')
@Resolver(() => Experiment)
export class SweepResolver {
  @Authorized('trainer')
  @Mutation(() => Experiment, {
    description:
      'Runs a hyper-parameter sweep: one training run per grid point or random draw of the base run, at most maxParallel training at a time across the workers, ' +
      'trials worse than the median stopped early (earlyTermination), every finished trial evaluated on `evaluate` and ranked by `metric` with its interval (Experiment.sweep, sweepProgress)',
  })
  startSweep(@Arg('input', () => StartSweepInput) input: StartSweepInput, @Ctx() { services, principal }: ApiContext): Promise<Experiment> {
    return startSweep(services, principal, input);
  }

  @Authorized('trainer')
  @Mutation(() => Experiment, {
    description: 'Stops a RUNNING sweep or preset: its queued and running trials are cancelled, its queued evaluations withdrawn; finished trials keep their results. Trainers stop their own',
  })
  cancelSweep(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: ApiContext): Promise<Experiment> {
    return cancelSweep(services, principal, id);
  }

  @FieldResolver(() => String, { description: 'SWEEP (startSweep), PRESET (startExperiment) or MANUAL (createExperiment)' })
  kind(@Root() experiment: Experiment & { plan?: unknown }): string {
    if (isSweepPlan(experiment.plan)) return 'SWEEP';
    return experiment.preset !== null ? 'PRESET' : 'MANUAL';
  }

  @FieldResolver(() => Sweep, {
    nullable: true,
    description: 'Sweeps and study presets: trials, their states and the ranking. On experiment(id) and startSweep only: one sweep per request',
  })
  sweep(@Root() experiment: Experiment & { plan?: unknown }, @Ctx() { services }: ApiContext, @Info() info: GraphQLResolveInfo): Promise<Sweep | null> {
    // Several queries over every trial's points: asked for over the experiments list, one request could read them all.
    if (typeof info.path.prev?.key === 'number') throw badUserInput('sweep', null, 'is only available on experiment(id), one experiment at a time');
    return loadSweep(services.prisma, { id: experiment.id, plan: experiment.plan ?? null, status: experiment.status });
  }

  @Subscription(() => Sweep, {
    description: 'The sweep now, then again whenever a trial changes (state, step, validation loss, result); completes after the snapshot showing it finished',
    subscribe: ({ args, context }) => openSweepProgress((context as ApiContext).services, (args as { experimentId: string }).experimentId),
  })
  sweepProgress(@Root() sweep: Sweep, @Arg('experimentId', () => ID) _experimentId: string): Sweep {
    return sweep;
  }
}
