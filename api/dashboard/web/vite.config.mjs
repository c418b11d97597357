// The dashboard's build: bundled at build time into dist/dashboard, every asset local (the gateway
// serves them at /; nothing is loaded from the internet).
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: path.resolve(here, '../../../dist/dashboard'),
    emptyOutDir: true,
    sourcemap: false,
    // One small app: a single chunk loads in one round trip on loopback.
    chunkSizeWarningLimit: 600,
  },
});
