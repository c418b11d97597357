// startSweep: the grid or draw becomes trials, each checked the way startTrainingRun checks a run
// (an error names the sweep field that produced the bad value), then the experiment, its runs and
// their held TRAIN jobs are written in one transaction. Admission (schema/admission.ts) lets at
// most maxParallel of them train at a time; workers chain evaluations (schema/experiment-progress.ts).

import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { Prisma, type Experiment as ExperimentRow } from '../../prisma/generated/client.js';
import { tryAdmitTrainings } from '../../schema/bus/admit-trainings.js';
import { trainingRequirements } from '../../schema/capabilities.js';
import {
  gridTrials, HEADLINE_METRICS, HEADLINE_SETTINGS, randomTrials, SWEEP_PARAMS, sweepSettingsOf,
  type EarlyTermination, type SweepGrid, type SweepParamName, type SweepParams, type SweepPlan, type SweepMetric,
} from '../../schema/sweep.js';
import { RUN_EVALUATION_SUITES, type EvaluationSuite } from '../../schema/training.js';
import type { GatewayServices } from '../context.js';
import { type Principal, principalName } from '../auth/principal.js';
import { listDatasets } from '../dataset/registry.js';
import { badUserInput, forbidden, formatValue, isBadUserInput, notFound, rateLimited } from '../errors.js';
import { checkExperimentInput } from '../experiment/experiment.input.js';
import { cancelRun, checkPriority, refuseOverActiveRuns, runWithTrainJob, trainingCapsOf, withdrawQueued } from '../run/run.service.js';
import { resolveTrainingInput } from '../run/training-input.js';
import type { StartSweepInput } from './sweep.input.js';

export const MAX_TRIALS = 64;
export const MAX_PARALLEL = 32;
const RETRIEVAL_SUITES: readonly EvaluationSuite[] = ['XQUAD_R', 'MLQA_R'];

const json = (value: unknown) => value as Prisma.InputJsonValue;

function checkList(field: string, values: readonly unknown[]): void {
  if (values.length === 0) throw badUserInput(field, values, 'must list at least one value');
  values.forEach((v, i) => {
    if (values.indexOf(v) !== i) throw badUserInput(`${field}[${i}]`, v, 'is listed twice');
  });
}

function trialsOf(input: StartSweepInput): { trials: SweepParams[]; search: SweepPlan['search']; source: 'grid' | 'random' } {
  const { grid, random } = input;
  if ((grid == null) === (random == null)) throw badUserInput('input.grid', grid ?? null, 'give exactly one of grid and random');
  if (grid) {
    const values: SweepGrid = {};
    for (const name of SWEEP_PARAMS) {
      const list = grid[name];
      if (list == null) continue;
      checkList(`input.grid.${name}`, list);
      (values as Record<string, unknown>)[name] = list;
    }
    if (Object.keys(values).length === 0) throw badUserInput('input.grid', grid, 'names no setting to vary');
    const trials = gridTrials(values);
    if (trials.length > MAX_TRIALS) throw badUserInput('input.grid', `${trials.length} trials`, `makes more than ${MAX_TRIALS} trials`);
    return { trials, search: { kind: 'grid' }, source: 'grid' };
  }
  const r = random!;
  if (!Number.isInteger(r.trials) || r.trials < 1 || r.trials > MAX_TRIALS) throw badUserInput('input.random.trials', r.trials, `is not an integer in [1, ${MAX_TRIALS}]`);
  const samplerSeed = r.samplerSeed ?? 0;
  const ranges: Record<string, { min: number; max: number; logScale?: boolean }> = {};
  for (const name of ['alpha', 'learningRate', 'scale', 'weightDecay'] as const) {
    const range = r[name];
    if (range == null) continue;
    if (!(range.min < range.max)) throw badUserInput(`input.random.${name}`, range, 'needs min < max');
    if (range.logScale && range.min <= 0) throw badUserInput(`input.random.${name}.min`, range.min, 'must be above 0 on a log scale');
    ranges[name] = { min: range.min, max: range.max, ...(range.logScale ? { logScale: true } : {}) };
  }
  const choices: Record<string, unknown[]> = {};
  for (const name of ['strategy', 'seed', 'batchSize', 'warmupSteps'] as const) {
    const list = r[name];
    if (list == null) continue;
    checkList(`input.random.${name}`, list);
    choices[name] = list;
  }
  if (Object.keys(ranges).length === 0 && Object.keys(choices).length === 0) throw badUserInput('input.random', r.trials, 'names no range or choice to draw from');
  const trials = randomTrials({ trials: r.trials, samplerSeed, ranges, choices });
  return { trials, search: { kind: 'random', trials: r.trials, samplerSeed }, source: 'random' };
}

function metricOf(input: StartSweepInput): { metric: SweepMetric; suites: EvaluationSuite[] } {
  const { suite } = input.metric;
  const setting = input.metric.setting ?? 'multi';
  const name = input.metric.metric ?? 'map';
  if (!RETRIEVAL_SUITES.includes(suite)) throw badUserInput('input.metric.suite', suite, `is not a retrieval suite (${RETRIEVAL_SUITES.join(', ')})`);
  if (!(HEADLINE_SETTINGS as readonly string[]).includes(setting)) throw badUserInput('input.metric.setting', setting, `is not one of ${HEADLINE_SETTINGS.join(', ')}`);
  if (!(HEADLINE_METRICS as readonly string[]).includes(name)) throw badUserInput('input.metric.metric', name, `is not one of ${HEADLINE_METRICS.join(', ')}`);
  const suites = input.evaluate ?? [suite];
  checkList('input.evaluate', suites);
  // BUCC 2018 mining is not a trial's evaluation (22,000 sentences each): evaluate the winner with evaluate().
  suites.forEach((s, i) => {
    if (!(RUN_EVALUATION_SUITES as readonly string[]).includes(s)) throw badUserInput(`input.evaluate[${i}]`, s, `is not one of ${RUN_EVALUATION_SUITES.join(', ')}`);
  });
  if (!suites.includes(suite)) throw badUserInput('input.evaluate', suites, `must include the metric's suite ${suite}`);
  return { metric: { suite, setting: setting as SweepMetric['setting'], metric: name as SweepMetric['metric'] }, suites: [...suites] };
}

function intIn(field: string, value: number | null | undefined, fallback: number, [lo, hi]: [number, number]): number {
  if (value == null) return fallback;
  if (!Number.isInteger(value) || value < lo || value > hi) throw badUserInput(field, value, `is not an integer in [${lo}, ${hi}]`);
  return value;
}

export async function startSweep(services: GatewayServices, principal: Principal, input: StartSweepInput): Promise<ExperimentRow> {
  const { base } = input;
  if (base.experimentId != null) throw badUserInput('input.base.experimentId', base.experimentId, 'is set by the sweep (its trials form one experiment)');
  if (base.idempotencyKey != null) throw badUserInput('input.base.idempotencyKey', base.idempotencyKey, 'is not used in a sweep');
  const { trials, search, source } = trialsOf(input);
  const { metric, suites } = metricOf(input);
  const maxParallel = intIn('input.maxParallel', input.maxParallel, 4, [1, MAX_PARALLEL]);
  const bootstrap = intIn('input.bootstrap', input.bootstrap, 1000, [0, 10_000]);
  const queriesPerLanguage = input.queriesPerLanguage == null ? null : intIn('input.queriesPerLanguage', input.queriesPerLanguage, 0, [1, 100_000]);
  const early = input.earlyTermination;
  const earlyTermination: EarlyTermination | null = early == null ? null : {
    rule: 'MEDIAN',
    minValidations: intIn('input.earlyTermination.minValidations', early.minValidations, 2, [1, 1000]),
    minTrials: intIn('input.earlyTermination.minTrials', early.minTrials, 2, [1, MAX_TRIALS]),
  };
  const priority = checkPriority(principal, base.priority, 'input.base.priority');
  const { name, description } = checkExperimentInput({ name: input.name ?? `sweep ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`, description: input.description });

  const datasets = await listDatasets(services);
  const models = base.baseModel == null ? [] : await services.prisma.registeredModel.findMany();
  const caps = trainingCapsOf(services, principal);
  // Trials never train on what the sweep evaluates them on (zero-shot).
  const guarded = [...new Set([...(base.evaluationSuites ?? []), ...suites.filter((s) => (RUN_EVALUATION_SUITES as readonly string[]).includes(s))])];
  const varied = SWEEP_PARAMS.filter((p) => trials.some((t) => t[p] !== undefined));
  const resolved = trials.map((params) => {
    try {
      return resolveTrainingInput({ ...base, ...params, evaluationSuites: guarded }, datasets, models, caps, 'input.base');
    } catch (error) {
      if (!isBadUserInput(error)) throw error;
      // A value the sweep put there: name the sweep's field.
      const { message, extensions } = error as GraphQLError;
      const field = String(extensions.field ?? '');
      // A suite the sweep added to the trial's guard: name the sweep's own list.
      const suite = /^input\.base\.evaluationSuites\[\d+\]$/.test(field) ? suites.indexOf(extensions.value as EvaluationSuite) : -1;
      if (suite >= 0 && !(base.evaluationSuites ?? []).includes(suites[suite]!)) {
        throw badUserInput(`input.evaluate[${suite}]`, suites[suite], message.slice(message.indexOf(' ', field.length + 2) + 1));
      }
      const param = field.replace(/^input\.base\./, '') as SweepParamName;
      if (!varied.includes(param) || params[param] === undefined) throw error;
      const prefix = `${field}: ${formatValue(extensions.value)} `;
      const problem = message.startsWith(prefix) ? message.slice(prefix.length) : message;
      throw badUserInput(`input.${source}.${param}`, params[param], problem);
    }
  });
  if (earlyTermination) {
    const hp = resolved[0]!.spec.hyperParameters;
    if (resolved.some((r) => r.spec.hyperParameters.validationFraction <= 0)) throw badUserInput('input.earlyTermination', early, 'needs a validation loss: set base.validationFraction above 0');
    if (resolved.every((r) => r.spec.hyperParameters.validateEvery >= r.spec.hyperParameters.steps)) {
      throw badUserInput('input.earlyTermination', early, `can never stop a trial: base.validateEvery (${hp.validateEvery}) must be below steps (${hp.steps})`);
    }
    if (earlyTermination.minTrials >= resolved.length) {
      throw badUserInput('input.earlyTermination.minTrials', earlyTermination.minTrials, `leaves no trial to stop: the sweep has ${resolved.length} trials`);
    }
  }
  // Every trial validates on the same held-out batches at the same temperature (schema/training.ts
  // SharedValidation): the losses the median rule and the tables compare measure the same thing.
  const first = resolved[0]!.spec;
  const validationSet = {
    seed: first.seed,
    alpha: first.languages.length > 1 ? 0.5 : 1,
    batchSize: Math.min(...resolved.map((r) => r.spec.hyperParameters.batchSize)),
    scale: base.scale ?? first.hyperParameters.scale,
  };
  for (const r of resolved) r.spec.hyperParameters.validationSet = validationSet;
  await refuseOverActiveRuns(services, principal, resolved.length);
  const { prisma } = services;
  if (await prisma.experiment.findUnique({ where: { name }, select: { id: true } })) throw badUserInput('input.name', name, 'is already the name of an experiment');

  const plan: SweepPlan = {
    kind: 'sweep', search, varied, trials,
    evaluation: { suites, bootstrap, queriesPerLanguage },
    sweep: { maxParallel, metric, earlyTermination },
  };
  const id = randomUUID();
  const width = String(resolved.length - 1).length;
  const experiment = await prisma.$transaction(async (tx) => {
    const row = await tx.experiment.create({ data: { id, name, description, preset: null, plan: json(plan), status: 'RUNNING', ...principalName(principal) } });
    for (const [i, { spec, parameters }] of resolved.entries()) {
      await tx.run.create({
        data: runWithTrainJob(spec, {
          experimentId: id,
          // Padded: admission breaks ties by key, so trials start in their order.
          jobKey: `experiment:${id}:train:${String(i).padStart(width, '0')}`,
          jobExperimentId: id,
          ...principalName(principal),
          requirements: trainingRequirements(spec, parameters, { allowCpu: base.allowCpu === true, gpuRequiredParameters: services.gpuRequiredParameters }),
          priority,
          trial: i,
        }),
      });
    }
    return row;
  }).catch((error: unknown) => {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw badUserInput('input.name', name, 'is already the name of an experiment');
    throw error;
  });
  await tryAdmitTrainings(services);
  return experiment;
}

/**
 * Stops a sweep (or a preset): its queued and running trials are cancelled as cancelRun cancels a
 * run (held ones simply never start, admitted ones leave the queue), its queued evaluations are
 * withdrawn, and it ends CANCELLED. Trials already finished keep their results. Trainers stop
 * their own sweeps; admins any.
 */
export async function cancelSweep(services: GatewayServices, principal: Principal, id: string): Promise<ExperimentRow> {
  const { prisma } = services;
  const experiment = await prisma.experiment.findUnique({ where: { id } });
  if (!experiment || !sweepSettingsOf(experiment.plan)) throw notFound('sweep', 'id', id);
  if (principal.kind === 'key' && principal.role !== 'admin' && experiment.createdByKeyId !== principal.keyId) {
    throw forbidden(`id: sweep ${JSON.stringify(id)} was started by another key; only its creator or an admin may cancel it`, 'id');
  }
  const active = await prisma.run.findMany({ where: { experimentId: id, status: { in: ['QUEUED', 'RUNNING'] } }, select: { id: true } });
  // A CANCELLED sweep whose trials were not all cancelled (an error halfway) may be cancelled again.
  if (experiment.status !== 'RUNNING' && !(experiment.status === 'CANCELLED' && active.length > 0)) {
    throw badUserInput('id', id, `is a sweep in status ${experiment.status}; only a RUNNING sweep can be cancelled`);
  }
  // First, so that nothing chains new work for it, and admission lets none of its trials in.
  await prisma.experiment.updateMany({ where: { id, status: 'RUNNING' }, data: { status: 'CANCELLED', finishedAt: new Date() } });
  const failures: string[] = [];
  for (const run of active) {
    // Trials carry their sweep's creator, so whoever may cancel the sweep may cancel them.
    await cancelRun(services, principal, run.id).catch((error: unknown) => {
      if (isBadUserInput(error)) return; // it ended meanwhile
      failures.push(run.id);
      services.log(`cancelSweep ${id}: run ${run.id} not cancelled: ${String(error)}`);
    });
  }
  // Retrying helps (the sweep stays cancellable while trials are active): said as a wait, with the field.
  if (failures.length > 0) throw rateLimited(`id: ${failures.length} of ${active.length} trials could not be cancelled now; call cancelSweep again`, 5_000, 'id');
  // Its trials' TRAIN jobs are cancelled: what is left queued is its evaluations (and a preset's baselines and report).
  const queued = await prisma.job.findMany({ where: { experimentId: id, status: 'QUEUED' }, select: { id: true, queueSeq: true, publishedAt: true } });
  await prisma.job.updateMany({ where: { id: { in: queued.map((j) => j.id) }, status: 'QUEUED' }, data: { status: 'CANCELLED' } });
  await withdrawQueued(services, queued.filter((j) => j.publishedAt !== null), `cancelSweep ${id}`);
  return (await prisma.experiment.findUnique({ where: { id } }))!;
}
