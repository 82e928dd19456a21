import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSm2KeyPair } from '@evidence/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectors } from '../../../test/support/vectors.js';
import { DirectoryFile } from './directory-file.js';
import { directoryEntry, signDirectory, verifyDirectory, type DirectoryDocument } from './directory.js';

const operator = generateSm2KeyPair();
const node = generateSm2KeyPair();
const gateway = generateSm2KeyPair();

function doc(version = 1): DirectoryDocument {
  return {
    format: 'evidence-directory/1',
    network: 'zj-demo',
    version,
    issuedAt: 1763800200000,
    entries: [directoryEntry('RN-HZ-01', node.publicKey, 'node', 'http://127.0.0.1:7101'), directoryEntry('H330100001', gateway.publicKey, 'gateway')],
  };
}

describe('signed operator directory', () => {
  it('derives ids as SM3 of the code (spec section 2 vectors)', () => {
    for (const v of vectors.identifiers) expect(directoryEntry(v.code, node.publicKey, 'node').id).toBe(v.id);
  });

  it('verifies what the operator signed, and nothing else', () => {
    const signed = signDirectory(doc(), operator.privateKey, operator.publicKey);
    expect(verifyDirectory(JSON.parse(JSON.stringify(signed)), operator.publicKey)).toEqual(doc());
    // Another operator key: refused.
    expect(() => verifyDirectory(signed, generateSm2KeyPair().publicKey)).toThrow(expect.objectContaining({ code: 'DIRECTORY_BAD_SIGNATURE' }));
    // A swapped key inside the signed document: refused.
    const tampered = structuredClone(signed);
    tampered.entries[1]!.publicKey = generateSm2KeyPair().publicKey;
    expect(() => verifyDirectory(tampered, operator.publicKey)).toThrow(expect.objectContaining({ code: 'DIRECTORY_BAD_SIGNATURE' }));
    // A rolled-back version number is a different document too.
    expect(() => verifyDirectory({ ...signed, version: 0 }, operator.publicKey)).toThrow(expect.objectContaining({ code: 'DIRECTORY_BAD_SIGNATURE' }));
  });

  it('refuses malformed documents with DIRECTORY_MALFORMED', () => {
    const signed = signDirectory(doc(), operator.privateKey, operator.publicKey);
    const bad: [string, unknown][] = [
      ['not an object', 'x'],
      ['wrong format', { ...signed, format: 'x' }],
      ['entry id not SM3 of code', { ...signed, entries: [{ ...signed.entries[0]!, id: signed.entries[1]!.id }] }],
      ['duplicate code', { ...signed, entries: [signed.entries[0], signed.entries[0]] }],
      ['bad key', { ...signed, entries: [{ ...signed.entries[0]!, publicKey: '04' + '11'.repeat(64) }] }],
      ['bad kind', { ...signed, entries: [{ ...signed.entries[0]!, kind: 'admin' }] }],
      ['missing signature', { ...signed, signature: undefined }],
      ['uppercase signature', { ...signed, signature: signed.signature.toUpperCase() }],
    ];
    for (const [why, input] of bad) {
      expect(() => verifyDirectory(input, operator.publicKey), why).toThrow(expect.objectContaining({ code: 'DIRECTORY_MALFORMED' }));
    }
  });
});

describe('DirectoryFile (the key source without a chain)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'directory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to open a file with a bad signature', async () => {
    const file = join(dir, 'bad.json');
    const signed = signDirectory(doc(), operator.privateKey, operator.publicKey);
    await writeFile(file, JSON.stringify({ ...signed, network: 'other' }));
    await expect(DirectoryFile.open(file, operator.publicKey)).rejects.toMatchObject({ code: 'DIRECTORY_BAD_SIGNATURE' });
    await writeFile(file, '{ not json');
    await expect(DirectoryFile.open(file, operator.publicKey)).rejects.toMatchObject({ code: 'DIRECTORY_MALFORMED' });
  });

  it('serves keys and codes, picks up a re-issue on a miss, ignores rollbacks and forgeries', async () => {
    const file = join(dir, 'directory.json');
    await writeFile(file, JSON.stringify(signDirectory(doc(2), operator.privateKey, operator.publicKey)));
    const d = await DirectoryFile.open(file, operator.publicKey, 0);
    const nodeId = doc().entries[0]!.id;
    expect(await d.keySource(nodeId)).toBe(node.publicKey);
    expect(await d.codeSource(nodeId)).toBe('RN-HZ-01');

    const newcomer = generateSm2KeyPair();
    const next = doc(3);
    next.entries.push(directoryEntry('H330200001', newcomer.publicKey, 'gateway'));
    const bump = async (content: unknown, at: number) => {
      await writeFile(file, JSON.stringify(content));
      await utimes(file, at, at);
    };
    // A forged re-issue (someone else's signature) is ignored.
    await bump(signDirectory(next, generateSm2KeyPair().privateKey), 2_000_000_000);
    expect(await d.keySource(next.entries[2]!.id)).toBeUndefined();
    // A rollback to an older version is ignored.
    await bump(signDirectory(doc(1), operator.privateKey, operator.publicKey), 2_000_000_100);
    expect(await d.keySource(next.entries[2]!.id)).toBeUndefined();
    expect(d.document.version).toBe(2);
    // The operator's re-issue is picked up.
    await bump(signDirectory(next, operator.privateKey, operator.publicKey), 2_000_000_200);
    expect(await d.keySource(next.entries[2]!.id)).toBe(newcomer.publicKey);
    expect(d.document.version).toBe(3);
  });
});
