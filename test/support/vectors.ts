import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BatchHeader, Hop, Leaf, ProofBundle, TraceNode } from '@evidence/core';

/** The exact copy of the independent implementation's vectors kept in the repo. */
export const VECTORS_PATH = fileURLToPath(new URL('../vectors/evidence-v1.json', import.meta.url));

export interface Vectors {
  sm3: { input: string; digest: string }[];
  sm2: { privateKey: string; publicKey: string; message: string; signature: string; userId: string };
  identifiers: { code: string; id: string }[];
  commitments: { salt: string; payload: unknown; jcs: string; commitment: string }[];
  leaves: { leaf: Leaf; leafBytes: string; leafHash: { keccak256: string; sm3: string } }[];
  trees: {
    alg: 'keccak256' | 'sm3';
    size: number;
    leafHashes: string[];
    root: string;
    proofs: { index: number; leafHash: string; path: string[] }[];
  }[];
  headers: { header: BatchHeader; headerBytes: string; headerHash: string; signature: string; publicKey: string }[];
  bundles: { valid: boolean; failsAt?: string; bundle: ProofBundle }[];
  trace: {
    nodes: TraceNode[];
    request: { method: string; path: string; body?: unknown };
    response: { status: number; body?: unknown };
    hops: (Hop & { hopBytes: string; hopHash: string })[];
  };
  badTraces: { why: string; result: string; hops: Hop[] }[];
}

export const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Vectors;
