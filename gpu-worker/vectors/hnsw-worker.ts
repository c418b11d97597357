// Worker thread of a background index build (see hnsw.ts): builds the index from the copied rows,
// saves it to the given file and reports back; the main thread loads the file.

import { parentPort, workerData } from 'node:worker_threads';
import { addBlocks, newIndex, type BuildJob } from './hnsw.js';

const job = workerData as BuildJob;
const index = newIndex(job.dimension, job.hnsw);
addBlocks(index, job.blocks, job.dimension);
index.save(job.file);
parentPort!.postMessage('built');
