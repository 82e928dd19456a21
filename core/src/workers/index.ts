export { WorkerPool, type Sequenced, type WorkerPoolOptions } from './pool.js';
