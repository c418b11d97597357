// startExperiment: a preset becomes a plan (schema/experiment.ts), every planned run is checked
// the way startTrainingRun checks one, and the experiment, its runs with their TRAIN jobs and the
// baseline evaluations are written in one transaction, then published. Workers chain the rest
// (schema/experiment-progress.ts): each run's evaluation, then the report.

import { trainingRequirements } from '../../schema/capabilities.js';
import { estimateParameters } from '../../schema/training-validation.js';
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { Prisma, type Experiment as ExperimentRow } from '../../prisma/generated/client.js';
import type { EvaluationRequest } from '../../schema/evaluation.js';
import { evaluationSuitesOf, planExperiment, plannedRuns, type ExperimentPlan, type ExperimentPreset } from '../../schema/experiment.js';
import type { JobKind } from '../../schema/jobs.js';
import type { TrainingSpec } from '../../schema/training.js';
import type { GatewayServices } from '../context.js';
import { listDatasets } from '../dataset/registry.js';
import { badUserInput, isBadUserInput } from '../errors.js';
import { publishJob } from '../job/outbox.js';
import { tryAdmitTrainings } from '../../schema/bus/admit-trainings.js';
import { refuseOverActiveRuns, runWithTrainJob, trainingCapsOf } from '../run/run.service.js';
import { type Principal, principalName } from '../auth/principal.js';
import { resolveTrainingInput } from '../run/training-input.js';
import { TRAINING_LIMITS as LIMITS, type TrainingCaps } from '../../schema/training-validation.js';
import { checkExperimentInput } from './experiment.input.js';

const json = (value: unknown) => value as Prisma.InputJsonValue;
const MAX_SEEDS = 10;
const MAX_PARALLEL = 64;

export interface StartExperimentData {
  preset: ExperimentPreset;
  seeds?: number[] | null;
  steps?: number | null;
  maxParallel?: number | null;
  name?: string | null;
  description?: string | null;
}

function checkPlanInput(input: StartExperimentData): ExperimentPlan {
  const { seeds, steps } = input;
  if (seeds != null) {
    if (seeds.length < 1 || seeds.length > MAX_SEEDS) throw badUserInput('input.seeds', seeds, `must name 1 to ${MAX_SEEDS} seeds`);
    seeds.forEach((seed, i) => {
      if (!Number.isInteger(seed) || seed < LIMITS.seed[0] || seed > LIMITS.seed[1]) throw badUserInput(`input.seeds[${i}]`, seed, `is not an integer in [${LIMITS.seed.join(', ')}]`);
      if (seeds.indexOf(seed) !== i) throw badUserInput(`input.seeds[${i}]`, seed, 'is listed twice');
    });
  }
  if (steps != null && (!Number.isInteger(steps) || steps < LIMITS.steps[0] || steps > LIMITS.steps[1])) {
    throw badUserInput('input.steps', steps, `is not an integer in [${LIMITS.steps.join(', ')}]`);
  }
  const { maxParallel } = input;
  if (maxParallel != null && (!Number.isInteger(maxParallel) || maxParallel < 1 || maxParallel > MAX_PARALLEL)) {
    throw badUserInput('input.maxParallel', maxParallel, `is not an integer in [1, ${MAX_PARALLEL}]`);
  }
  return planExperiment(input.preset, { ...(seeds != null ? { seeds } : {}), ...(steps != null ? { steps } : {}), ...(maxParallel != null ? { maxParallel } : {}) });
}

/** Every run of the plan as startTrainingRun would store it; a dataset problem names the preset. */
async function planSpecs(services: GatewayServices, plan: ExperimentPlan, caps: TrainingCaps) {
  const datasets = await listDatasets(services);
  return plannedRuns(plan).map(({ protocol, arm, seed }) => {
    try {
      const { spec } = resolveTrainingInput(
        {
          ...(plan.recipe ? { recipe: plan.recipe } : {}),
          strategy: arm.strategy,
          alpha: arm.alpha,
          trainDatasets: protocol.trainDatasets,
          languages: protocol.languages,
          evaluationSuites: evaluationSuitesOf(plan, protocol),
          model: { ...plan.model },
          steps: plan.steps,
          batchSize: plan.batchSize,
          validateEvery: plan.validateEvery,
          earlyStoppingPatience: plan.earlyStoppingPatience,
          seed,
        },
        datasets,
        [],
        caps,
      );
      return spec;
    } catch (error) {
      if (isBadUserInput(error)) throw badUserInput('input.preset', plan.preset, `cannot run here: ${(error as GraphQLError).message}`);
      throw error;
    }
  });
}

interface NewJob {
  kind: JobKind;
  idempotencyKey: string;
  payload?: Prisma.InputJsonValue;
}

function baselineJobs(experimentKey: string, plan: ExperimentPlan): NewJob[] {
  return plan.protocols.flatMap((protocol, i) =>
    (['BM25', 'DICT_BM25', 'RANDOM'] as const).map((baseline) => {
      // BM25 has no embeddings to align; the untrained encoder is the alignment floor.
      const suites = baseline === 'RANDOM' && i === 0 && plan.evaluation.xnli ? [protocol.suite, 'XNLI_ALIGNMENT' as const] : [protocol.suite];
      const request: EvaluationRequest = {
        target: { kind: 'baseline', baseline },
        suites,
        bootstrap: plan.evaluation.bootstrap,
        seed: 0,
        ...(plan.evaluation.queriesPerLanguage !== null ? { queriesPerLanguage: plan.evaluation.queriesPerLanguage } : {}),
      };
      return { kind: 'EVALUATE' as const, idempotencyKey: `${experimentKey}:baseline:${baseline}:${protocol.suite}`, payload: json(request) };
    }),
  );
}

export async function startExperiment(services: GatewayServices, principal: Principal, input: StartExperimentData): Promise<ExperimentRow> {
  const plan = checkPlanInput(input);
  const creator = principalName(principal);
  const { name, description } = checkExperimentInput({ name: input.name ?? `${plan.preset} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`, description: input.description });
  const specs: TrainingSpec[] = await planSpecs(services, plan, trainingCapsOf(services, principal));
  await refuseOverActiveRuns(services, principal, specs.length);
  const { prisma } = services;
  if (await prisma.experiment.findUnique({ where: { name }, select: { id: true } })) throw badUserInput('input.name', name, 'is already the name of an experiment');

  const id = randomUUID();
  const key = `experiment:${id}`;
  const created = await prisma.$transaction(async (tx) => {
    // (A concurrent start with the same name fails the create below with P2002, mapped after.)
    const experiment = await tx.experiment.create({ data: { id, name, description, preset: plan.preset, plan: json(plan), status: 'RUNNING', ...creator } });
    const jobs: Array<{ id: string; kind: JobKind; runId?: string }> = [];
    for (const [i, spec] of specs.entries()) {
      const run = await tx.run.create({
        data: runWithTrainJob(spec, {
          experimentId: id, jobKey: `${key}:train:${String(i).padStart(String(specs.length - 1).length, '0')}`, jobExperimentId: id, ...creator, trial: i,
          requirements: trainingRequirements(spec, estimateParameters(spec.model), { allowCpu: false, gpuRequiredParameters: services.gpuRequiredParameters }),
        }),
        include: { jobs: { select: { id: true } } },
      });
      jobs.push({ id: run.jobs[0]!.id, kind: 'TRAIN', runId: run.id });
    }
    for (const job of baselineJobs(key, plan)) {
      const row = await tx.job.create({ data: { ...job, experimentId: id }, select: { id: true } });
      jobs.push({ id: row.id, kind: job.kind });
    }
    return { experiment, jobs };
  }).catch((error: unknown) => {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw badUserInput('input.name', name, 'is already the name of an experiment');
    throw error;
  });
  for (const job of created.jobs) if (job.kind !== 'TRAIN') await publishJob(services, { jobId: job.id, kind: job.kind });
  // The TRAIN jobs enter the queue as admitted (schema/admission.ts), at most maxParallel at a time.
  await tryAdmitTrainings(services);
  return created.experiment;
}
