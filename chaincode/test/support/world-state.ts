/*
 * The committed world state of one chaincode namespace, as a peer's state
 * database holds it: keys ordered by their UTF-8 bytes (LevelDB order), each
 * value with the version (block, transaction) that last wrote it, which MVCC
 * validation compares at commit.
 */

export interface Version {
  block: number;
  tx: number;
}

export interface VersionedValue {
  value: Uint8Array;
  version: Version;
}

export function sameVersion(a: Version | null, b: Version | null): boolean {
  if (a === null || b === null) return a === b;
  return a.block === b.block && a.tx === b.tx;
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class WorldState {
  private readonly entries = new Map<string, VersionedValue>();
  /** Keys in UTF-8 byte order, for range scans. */
  private readonly order: string[] = [];

  get size(): number {
    return this.entries.size;
  }

  get(key: string): VersionedValue | null {
    return this.entries.get(key) ?? null;
  }

  /** Entries with startKey <= key < endKey in byte order; an empty endKey means no upper bound. */
  range(startKey: string, endKey: string): [string, VersionedValue][] {
    const out: [string, VersionedValue][] = [];
    for (let i = this.lowerBound(startKey); i < this.order.length; i++) {
      const k = this.order[i]!;
      if (endKey !== '' && compareKeys(k, endKey) >= 0) break;
      out.push([k, this.entries.get(k)!]);
    }
    return out;
  }

  /** Applies a committed transaction's writes (null deletes). */
  apply(writes: ReadonlyMap<string, Uint8Array | null>, version: Version): void {
    for (const [k, value] of writes) {
      const exists = this.entries.has(k);
      if (value === null) {
        if (exists) {
          this.entries.delete(k);
          this.order.splice(this.lowerBound(k), 1);
        }
      } else {
        if (!exists) this.order.splice(this.lowerBound(k), 0, k);
        this.entries.set(k, { value: value.slice(), version });
      }
    }
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.order[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
