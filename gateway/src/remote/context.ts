import type { CodeSource, HopCrypto, HopSigner, HttpClient, KeyRing, SignaturePool, TraceStore } from '@evidence/node';
import type { RemoteSettings } from './config.js';
import type { RecordEvidence } from './evidence.js';
import type { SeenRequests } from './replay.js';
import type { ServiceHandler } from './service-handler.js';

/** Everything the origin and deliver sides of a remote call share. */
export interface RemoteContext {
  /** This institution's registered code. */
  code: string;
  /** The gateway's SM2 key, the one registered for its id; it signs origin, deliver and response hops. */
  signer: HopSigner;
  settings: RemoteSettings;
  keyRing: KeyRing;
  codes?: CodeSource;
  client: HttpClient;
  record: RecordEvidence;
  traces: TraceStore;
  seen: SeenRequests;
  crypto: HopCrypto;
  /** Threads checking hop signatures; undefined: checked on the main thread. */
  pool: SignaturePool | undefined;
  /** Published services the gateway answers itself, by name (looked up at each delivery). */
  handlers?: ReadonlyMap<string, ServiceHandler>;
}
