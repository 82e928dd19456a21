import { describeIntakeConformance } from '../../../../test/conformance/intake.js';
import { ThreadIntake } from './thread-intake.js';

// Every small request to a worker (spillAt 0), so the packed wire formats are what is tested.
describeIntakeConformance('threads, every request in a worker', (ctx) => new ThreadIntake(ctx, 2, { spillAt: 0 }));
// As deployed: small requests on the main thread while it has time, bulk bodies and large runs in the workers.
describeIntakeConformance('threads, as deployed', (ctx) => new ThreadIntake(ctx, 2));
// No worker (INTAKE_WORKERS=0): the same step on the calling thread.
describeIntakeConformance('threads adapter without threads', (ctx) => new ThreadIntake(ctx, 0));
