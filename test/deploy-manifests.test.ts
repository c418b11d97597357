// deploy/k8s rendered as kubectl would (`kubectl kustomize`, offline) and every object validated
// against the Kubernetes and KEDA OpenAPI schemas (kubernetes-models' validators), then checked
// against the code: ports, probes, the metrics port, the JetStream stream and consumer KEDA reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Ajv } from 'ajv';
import { Namespace, ConfigMap, Secret, Service, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { subjectsFor } from '../schema/subjects.js';
import { repoRoot } from './support/platform.js';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace, 'v1/ConfigMap': ConfigMap, 'v1/Secret': Secret, 'v1/Service': Service, 'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment, 'batch/v1/Job': Job, 'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy, 'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

function render(overlay: string): any[] {
  const yaml = execFileSync('kubectl', ['kustomize', path.join(repoRoot, 'deploy', 'k8s', 'overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(yaml).map((d) => d.toJS());
}

const named = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

for (const overlay of ['gpu', 'cpu-only']) {
  test(`the ${overlay} overlay renders objects that validate against the Kubernetes and KEDA schemas`, () => {
    const objects = render(overlay);
    assert.ok(objects.length >= 14, `${objects.length} objects`);
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      assert.ok(Model, `no schema for ${object.apiVersion} ${object.kind}`);
      assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
      if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, 'xling', `${object.kind} ${object.metadata.name}`);
    }
    // The validators do refuse what the schemas forbid.
    const api = structuredClone(named(objects, 'Deployment', 'xling-api'));
    api.spec.replicas = 'two';
    assert.throws(() => new Deployment(api).validate(), /replicas must be integer/);
    assert.equal(Boolean(named(objects, 'Deployment', 'xling-worker-gpu')), overlay === 'gpu');
    assert.equal(Boolean(named(objects, 'ScaledObject', 'xling-worker-gpu')), overlay === 'gpu');
  });
}

test('the manifests agree with the code: probes, ports, metrics, GPU requests, KEDA\'s stream and consumer', () => {
  const objects = render('gpu');
  const settings = named(objects, 'ConfigMap', 'xling-settings').data;
  const api = named(objects, 'Deployment', 'xling-api').spec.template.spec.containers[0];
  assert.equal(api.readinessProbe.httpGet.path, '/healthz');
  assert.equal(api.livenessProbe.tcpSocket.port, 'http', 'a database outage does not restart the gateways');
  assert.equal(api.env.find((e: any) => e.name === 'HOST').value, '0.0.0.0');
  assert.equal(api.ports[0].containerPort, Number(api.env.find((e: any) => e.name === 'PORT').value));
  assert.equal(named(objects, 'HorizontalPodAutoscaler', 'xling-api').spec.scaleTargetRef.name, 'xling-api');
  assert.equal(settings.AUTH, 'on', 'keys required in the cluster');
  // Every PVC a pod mounts exists.
  const claims = new Set(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name));
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    for (const v of d.spec.template.spec.volumes ?? []) assert.ok(claims.has(v.persistentVolumeClaim.claimName), `${d.metadata.name}: ${v.name}`);
    const c = d.spec.template.spec.containers[0];
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${d.metadata.name} has requests and a memory limit`);
    assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true);
  }
  const workers = ['xling-worker-cpu', 'xling-worker-gpu'].map((n) => named(objects, 'Deployment', n));
  for (const w of workers) {
    const c = w.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    assert.equal(env.METRICS_HOST, '0.0.0.0');
    assert.equal(w.spec.template.metadata.annotations['prometheus.io/port'], env.METRICS_PORT);
    assert.equal(String(c.ports[0].containerPort), env.METRICS_PORT);
  }
  const gpu = workers[1].spec.template.spec;
  assert.equal(gpu.containers[0].resources.limits['nvidia.com/gpu'], 1);
  assert.equal(gpu.nodeSelector['xling.dev/pool'], 'gpu');
  assert.equal(gpu.containers[0].env.find((e: any) => e.name === 'TF_BACKEND').value, 'tensorflow-gpu');
  assert.equal(gpu.containers[0].env.find((e: any) => e.name === 'WORKER_CLASSES').value, 'gpu', 'GPU pods take GPU jobs only');
  // KEDA owns the worker counts, the HPA the gateway's: no replicas field for an apply to reset.
  for (const d of objects.filter((o) => o.kind === 'Deployment')) assert.equal(d.spec.replicas, undefined, d.metadata.name);
  // PULL jobs write into the data folder.
  for (const w of workers) assert.equal(w.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/data').readOnly, undefined);
  // KEDA reads the lag of the stream and consumer the bus creates for this NATS_PREFIX.
  const subjects = subjectsFor(settings.NATS_PREFIX);
  for (const [name, classes] of [['xling-worker-cpu', ['cpu', 'interactive']], ['xling-worker-gpu', ['gpu']]] as const) {
    const scaled = named(objects, 'ScaledObject', name);
    assert.equal(scaled.spec.scaleTargetRef.name, name);
    const lag = scaled.spec.triggers.filter((t: any) => t.type === 'nats-jetstream');
    assert.ok(lag.every((t: any) => t.metadata.stream === subjects.jobStream));
    assert.deepEqual(lag.map((t: any) => t.metadata.consumer), classes.map((c) => subjects.jobConsumer(c)));
    // Trainings held for admission are not in the lag: the gateway's gauge of them scales the pool too.
    const held = scaled.spec.triggers.filter((t: any) => t.type === 'prometheus');
    assert.deepEqual(held.map((t: any) => t.metadata.query), [`sum(xling_trainings_held{worker_class="${classes[0]}"})`]);
    assert.equal(scaled.spec.triggers.length, lag.length + held.length);
  }
  assert.equal(named(objects, 'ScaledObject', 'xling-worker-gpu').spec.minReplicaCount, 0, 'GPU workers scale to zero');
  // One waiting GPU job activates the pool (KEDA activates when the lag is above the threshold).
  assert.equal(named(objects, 'ScaledObject', 'xling-worker-gpu').spec.triggers[0].metadata.activationLagThreshold, '0');
  // Only the gateway port and the workers' metrics port admit traffic.
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const deny = policies.find((p) => p.spec.policyTypes.includes('Ingress') && !p.spec.ingress);
  assert.deepEqual(deny.spec.podSelector.matchExpressions[0].values.sort(), ['xling-api', 'xling-migrate', 'xling-worker'], 'only xling\'s own pods: services beside them stay reachable');
});

test('deploy/compose.yaml validates against the Compose Specification\'s schema', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'deploy', 'schemas', 'compose-spec.json'), 'utf8'));
  // The schema names draft-07 by an https URL ajv does not register; its keywords are draft-07's.
  const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
  // Merge keys (<<: *env) resolved, as Compose does.
  const compose = parse(fs.readFileSync(path.join(repoRoot, 'deploy', 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { ports?: unknown }> };
  assert.ok(validate(compose), JSON.stringify(validate.errors));
  for (const service of ['api', 'worker', 'prometheus', 'grafana']) assert.ok(compose.services[service], service);
  const broken = structuredClone(compose);
  broken.services.api!.ports = '4000';
  assert.equal(validate(broken), false, 'the schema does refuse what it forbids');
});

test('both images build the apps the manifests run', () => {
  for (const file of ['Dockerfile', 'Dockerfile.gpu']) {
    const text = fs.readFileSync(path.join(repoRoot, 'deploy', file), 'utf8');
    assert.match(text, /RUN npm ci/);
    for (const copied of ['schema', 'api', 'gpu-worker', 'prisma', 'native']) assert.match(text, new RegExp(`COPY ${copied} \\./${copied}`), `${file} copies ${copied}`);
    assert.match(text, /USER node/);
  }
  assert.match(fs.readFileSync(path.join(repoRoot, 'deploy', 'Dockerfile.gpu'), 'utf8'), /tfjs-node-gpu@4\.22\.0/);
});
