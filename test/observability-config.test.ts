// deploy/'s Prometheus and Grafana configuration against the code: compose loads both, Prometheus
// scrapes the ports the services expose, and every series the Grafana dashboard queries is one the
// gateway or the workers register.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { createGatewayMetrics } from '../api/observability/metrics.js';
import { createWorkerMetrics } from '../gpu-worker/observability/metrics.js';
import type { PrismaClient } from '../prisma/generated/client.js';
import { repoRoot } from './support/platform.js';

const deploy = path.join(repoRoot, 'deploy');
const readYaml = async (file: string) => parse(await fs.readFile(path.join(deploy, file), 'utf8'));

test('compose runs Prometheus and Grafana on deploy/\'s files, and the workers expose the port Prometheus scrapes', async () => {
  const compose = await readYaml('compose.yaml');
  const mounts = (service: string) => (compose.services[service].volumes as string[]).map((v) => v.split(':'));
  for (const [source, target] of [...mounts('prometheus'), ...mounts('grafana')]) {
    if (source!.endsWith('api-key')) continue; // the user's key, written before `up` (prometheus.yml says how)
    await fs.access(path.join(deploy, source!));
    assert.ok(target!.startsWith('/'), target);
  }
  const prometheus = await readYaml('prometheus/prometheus.yml');
  const jobs = Object.fromEntries((prometheus.scrape_configs as Array<Record<string, any>>).map((j) => [j.job_name, j]));
  assert.deepEqual(Object.keys(jobs).sort(), ['xling-gateway', 'xling-worker']);
  assert.equal(jobs['xling-gateway'].static_configs[0].targets[0], `api:${compose.services.api.ports[0].split(':').at(-1)}`);
  assert.equal(jobs['xling-gateway'].authorization.credentials_file, '/etc/prometheus/api-key');
  assert.equal(String(jobs['xling-worker'].dns_sd_configs[0].port), compose.services.worker.environment.METRICS_PORT);
  assert.equal(compose.services.worker.environment.METRICS_HOST, '0.0.0.0');
  const datasource = await readYaml('grafana/provisioning/datasources/prometheus.yml');
  assert.equal(datasource.datasources[0].url, `http://prometheus:${compose.services.prometheus.ports[0].split(':').at(-1)}`);
  // Neither has the API's keys: both listen on the host's loopback only, Grafana with a password the user sets.
  for (const service of ['prometheus', 'grafana']) assert.match(compose.services[service].ports[0], /^127\.0\.0\.1:/);
  assert.match(compose.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD, /^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
});

test('every series the Grafana dashboard queries is registered by the gateway or the workers', async () => {
  const dashboard = JSON.parse(await fs.readFile(path.join(deploy, 'grafana/dashboards/xling.json'), 'utf8'));
  const prisma = {} as PrismaClient;
  const registered = new Set(
    [createGatewayMetrics({ prisma, queueStats: async () => ({ pending: 0, inFlight: 0 }) }).registry, createWorkerMetrics(async () => undefined).registry]
      .flatMap((r) => r.getMetricsAsArray().map((m) => m.name)),
  );
  const panels = dashboard.panels as Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
  assert.ok(panels.length >= 8);
  const titles = panels.map((p) => p.title.toLowerCase()).join(' | ');
  for (const topic of ['training throughput', 'queue lag', 'search latency p50 / p99', 'error rate', 'workers up']) assert.ok(titles.includes(topic), `${topic} in ${titles}`);
  for (const panel of panels) {
    assert.equal(panel.datasource.uid, 'xling-prometheus');
    for (const { expr } of panel.targets) {
      for (const [name] of expr.matchAll(/xling_\w+/g)) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        assert.ok(registered.has(base), `${panel.title}: ${name} is not registered`);
      }
    }
  }
});
