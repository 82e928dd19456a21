import { describeQueueConformance } from '../../../test/conformance/queue.js';
import { MemoryQueue } from './memory-queue.js';

describeQueueConformance('in-process queue', async () => ({ open: () => new MemoryQueue(), durable: false }));
