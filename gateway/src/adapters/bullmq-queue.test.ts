import { describe, it } from 'vitest';
import { describeQueueConformance } from '../../../test/conformance/queue.js';
import { hasRedisServer, startRedis } from '../../../test/support/redis.js';
import { BullQueue } from './bullmq-queue.js';

if (hasRedisServer()) {
  describeQueueConformance('BullMQ on a real redis-server', async () => {
    const redis = await startRedis();
    return {
      open: () => new BullQueue({ url: redis.url, prefix: 'conformance' }),
      durable: true,
      close: () => redis.stop(),
    };
  });
} else {
  describe('BullMQ queue', () => {
    it.skip('needs redis-server on PATH (.ci/run installs it from Debian packages)', () => undefined);
  });
}
