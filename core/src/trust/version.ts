/** Printed on every report, so a court knows which verifier spoke (bump with the core package). */
export const VERIFIER_VERSION = 'evidence 0.1.0 (evidence-proof/1, evidence-proof/2, evidence-trust/1)';
