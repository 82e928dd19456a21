export { logLeafHash } from './leaf.js';
export { CHECKPOINT_LENGTH, CHECKPOINT_TAG, encodeCheckpoint, signCheckpoint, verifyCheckpointSignature, type Checkpoint, type CheckpointSignature } from './checkpoint.js';
export { COSIGNATURE_TAG, cosignCheckpoint, encodeCosignature, verifyCosignature, type Cosignature } from './cosignature.js';
