import { describeIntakeConformance } from '../../../test/conformance/intake.js';
import { inlineIntake } from './intake-inline.js';

describeIntakeConformance('inline (the calling thread)', (ctx) => inlineIntake(ctx));
