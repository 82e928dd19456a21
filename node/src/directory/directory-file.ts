import { readFile, stat } from 'node:fs/promises';
import { RoutingError } from '../errors.js';
import type { CodeSource, KeySource } from '../keys/key-source.js';
import { verifyDirectory, type DirectoryDocument, type DirectoryEntry } from './directory.js';

/**
 * The directory adapter of the key-source port: a signed directory file,
 * verified with the operator key at load. When an id is not found the file is
 * re-read (at most once per `reloadMs`) so a re-issued directory takes effect
 * without a restart. A re-issue that does not verify, or carries a lower
 * version than the one loaded (a rollback), is ignored and the old one kept.
 */
export class DirectoryFile {
  private doc: DirectoryDocument;
  private byId: Map<string, DirectoryEntry>;
  private mtimeMs: number;
  private checkedAt = Date.now();

  private constructor(
    readonly path: string,
    private readonly operatorKey: string,
    private readonly reloadMs: number,
    doc: DirectoryDocument,
    mtimeMs: number,
  ) {
    this.doc = doc;
    this.byId = index(doc);
    this.mtimeMs = mtimeMs;
  }

  /** Throws DIRECTORY_MALFORMED or DIRECTORY_BAD_SIGNATURE: a node must not start on a bad directory. */
  static async open(path: string, operatorKey: string, reloadMs = 1000): Promise<DirectoryFile> {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return new DirectoryFile(path, operatorKey, reloadMs, verifyDirectory(parse(text, path), operatorKey), info.mtimeMs);
  }

  get document(): DirectoryDocument {
    return this.doc;
  }

  entry(id: string): DirectoryEntry | undefined {
    return this.byId.get(id);
  }

  readonly keySource: KeySource = async (id) => (await this.find(id))?.publicKey;

  readonly codeSource: CodeSource = async (id) => (await this.find(id))?.code;

  private async find(id: string): Promise<DirectoryEntry | undefined> {
    const hit = this.byId.get(id);
    if (hit) return hit;
    await this.maybeReload();
    return this.byId.get(id);
  }

  private async maybeReload(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < this.reloadMs) return;
    this.checkedAt = now;
    try {
      const info = await stat(this.path);
      if (info.mtimeMs === this.mtimeMs) return;
      const doc = verifyDirectory(parse(await readFile(this.path, 'utf8'), this.path), this.operatorKey);
      this.mtimeMs = info.mtimeMs;
      if (doc.version < this.doc.version) return;
      this.doc = doc;
      this.byId = index(doc);
    } catch {
      // Keep serving the last good directory; the next miss retries.
    }
  }
}

function index(doc: DirectoryDocument): Map<string, DirectoryEntry> {
  return new Map(doc.entries.map((e) => [e.id, e]));
}

function parse(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RoutingError('DIRECTORY_MALFORMED', `${path} is not JSON: ${(e as Error).message}`);
  }
}
