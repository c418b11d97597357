// The web dashboard at /: the files `npm run build` bundled into dist/dashboard, served as they
// are. The page talks only to /graphql (HTTP and graphql-ws), so the Content-Security-Policy
// allows nothing but this origin: no asset, font or script from anywhere else.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

/** dist/api/dashboard/serve.js -> dist/dashboard */
export const DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');

const POLICY = [
  "default-src 'self'",
  // 'self' covers ws: and wss: to this origin (CSP level 3).
  "connect-src 'self'",
  // React and uPlot set style attributes (sizes, heatmap colours).
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const dashboardBuilt = (dir = DASHBOARD_DIR) => fs.existsSync(path.join(dir, 'index.html'));

/** Undefined when the dashboard was not built (the API works without it). */
export function dashboardRouter(dir = DASHBOARD_DIR): express.Router | undefined {
  if (!dashboardBuilt(dir)) return undefined;
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // Hashed file names: cached for good. index.html: always revalidated, so a new build shows at once.
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  router.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  return router;
}
