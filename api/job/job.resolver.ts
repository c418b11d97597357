import { Authorized, Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { EvaluationSuite } from '../../schema/training.js';
import type { ApiContext } from '../context.js';
import { EvaluationSuiteEnum, JobStateEnum, JobStatusEnum } from '../enums.js';
import { jobClass, readRequirements, waitingReason, type WorkerOffer } from '../../schema/capabilities.js';
import { findReports } from '../evaluation/evaluation.service.js';
import { readEvaluationRequest } from '../evaluation/report-data.js';
import { EvaluationReport } from '../evaluation/report.type.js';
import { EvaluationTarget, toTarget } from '../evaluation/target.type.js';
import { pageSize } from '../pagination.js';
import { Job } from './job.type.js';
import { JobProgress } from './progress.type.js';
import { openJobProgressStream, storedProgress } from './progress-stream.js';

// The workers' offers, read once per request however many jobs it lists.
const workersByRequest = new WeakMap<ApiContext, Promise<WorkerOffer[]>>();
function workersOf(context: ApiContext): Promise<WorkerOffer[]> {
  let workers = workersByRequest.get(context);
  if (!workers) {
    workers = context.services.prisma.worker
      .findMany({ select: { workerClasses: true, hostMemoryBytes: true, deviceMemoryBytes: true, lastSeen: true } })
      .then((rows) => rows.map((w) => ({
        ...w,
        hostMemoryBytes: w.hostMemoryBytes === null ? null : Number(w.hostMemoryBytes),
        deviceMemoryBytes: w.deviceMemoryBytes === null ? null : Number(w.deviceMemoryBytes),
      })));
    workersByRequest.set(context, workers);
  }
  return workers;
}

const evaluationOf = (job: Job) => (job.kind === 'EVALUATE' ? readEvaluationRequest(job.payload) : null);

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Job)
export class JobResolver {
  @Query(() => [Job], { description: 'Newest first' })
  jobs(
    @Arg('status', () => JobStatusEnum, { nullable: true }) status: keyof typeof JobStatusEnum | null | undefined,
    @Arg('runId', () => ID, { nullable: true }) runId: string | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20' }) first: number | null | undefined,
    @Ctx() { services }: ApiContext,
  ): Promise<Job[]> {
    return services.prisma.job.findMany({
      where: { ...(status ? { status } : {}), ...(runId ? { runId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: pageSize(first),
    });
  }

  @FieldResolver(() => String, { description: 'The worker class that takes it: cpu (any worker) or gpu (schema/capabilities.ts)' })
  workerClass(@Root() job: Job): string {
    return jobClass(job.kind, job.requirements);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Why no live worker can take this QUEUED job (it is not a failure: it starts when a capable worker joins); null otherwise' })
  async waitingFor(@Root() job: Job, @Ctx() context: ApiContext): Promise<string | null> {
    if (job.status !== 'QUEUED') return null;
    return waitingReason({ ...readRequirements(job.requirements), workerClass: jobClass(job.kind, job.requirements) }, await workersOf(context));
  }

  @FieldResolver(() => JobStateEnum, { description: 'status, with WAITING_FOR_WORKER for a QUEUED job no live worker can take' })
  async state(@Root() job: Job, @Ctx() context: ApiContext): Promise<keyof typeof JobStateEnum> {
    return (await this.waitingFor(job, context)) ? 'WAITING_FOR_WORKER' : job.status;
  }

  @FieldResolver(() => EvaluationTarget, { nullable: true, description: 'EVALUATE jobs: what is evaluated' })
  target(@Root() job: Job): EvaluationTarget | null {
    const request = evaluationOf(job);
    return request && toTarget(request.target);
  }

  @FieldResolver(() => [EvaluationSuiteEnum], { description: 'EVALUATE jobs: the suites asked for; empty for other kinds' })
  suites(@Root() job: Job): EvaluationSuite[] {
    return evaluationOf(job)?.suites ?? [];
  }

  @FieldResolver(() => [String], { description: 'EVALUATE jobs: the imported suites asked for (evaluate input.datasets); empty otherwise' })
  datasets(@Root() job: Job): string[] {
    return evaluationOf(job)?.datasets ?? [];
  }

  @FieldResolver(() => [EvaluationReport], { description: 'EVALUATE jobs: the reports written so far, one per suite' })
  reports(@Root() job: Job, @Ctx() { services }: ApiContext): Promise<EvaluationReport[]> {
    return findReports(services, { jobId: job.id }, 'asc');
  }

  @FieldResolver(() => JobProgress, { nullable: true, description: 'The latest progress a PULL job reported; null before the first report and for other kinds' })
  progress(@Root() job: Job): JobProgress | null {
    return storedProgress(job);
  }

  @Subscription(() => JobProgress, {
    description: 'The stored progress, then live progress of a job; completes after the job ends with an item carrying its final status',
    subscribe: ({ args, context }) => openJobProgressStream((context as ApiContext).services, (args as { jobId: string }).jobId),
  })
  jobProgress(@Root() item: JobProgress, @Arg('jobId', () => ID) _jobId: string): JobProgress {
    return item;
  }
}
