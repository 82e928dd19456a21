import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openKeySource, type CodeSource, type HopCrypto, type KeySource } from '@evidence/node';
import type { GatewayPlugin } from '../app.js';
import { errorHandler } from '../http/error-handler.js';
import { keySourceFor } from '../keys.js';
import { parseRemoteConfig, remoteSettings, type RemoteSettings } from './config.js';
import { remotePlugin, type RemoteHandle } from './plugin.js';

export interface RemoteRoutesOptions {
  settings: RemoteSettings;
  keySource: KeySource;
  codes?: CodeSource;
  expose?: (handle: RemoteHandle) => void;
  /** The routing benchmark's unsigned baseline; SM2 otherwise. */
  crypto?: HopCrypto;
  /** null: no signature threads (the unsigned baseline has no signatures to check). */
  pool?: null;
}

/**
 * The remote-call plugin in the gateway's plugin shape: signs hops with the
 * gateway's registered SM2 key (the one that signs its batch headers), records
 * through the gateway's evidence service, and puts its routes behind the
 * gateway's authentication: calling out needs evidence:write (hospital
 * systems), reading traces proof:read.
 */
export function remoteRoutes(o: RemoteRoutesOptions): GatewayPlugin {
  return async (app, { ctx }) => {
    const keys = await keySourceFor(ctx.config).load();
    await app.register(remotePlugin, {
      code: ctx.code,
      keys: keys.sm2,
      settings: o.settings,
      keySource: o.keySource,
      codes: o.codes,
      record: (items) => ctx.evidence.recordMany(items, 'remote'),
      callConfig: { permission: 'evidence:write' },
      traceConfig: { permission: 'proof:read' },
      hostErrorHandler: errorHandler((code) => ctx.metrics.rejected.inc({ code })),
      expose: o.expose,
      handlers: ctx.serviceHandlers,
      // Delivered request ids survive a restart: a captured delivery replayed later is refused.
      replayFile: join(ctx.config.DATA_DIR, 'remote', 'delivered.log'),
      ...(o.crypto ? { crypto: o.crypto } : {}),
      ...(o.pool === null ? { pool: null } : {}),
    });
  };
}

/** Reads the REMOTE_CONFIG file and opens the key source it names. */
export async function loadRemoteRoutes(file: string, expose?: (handle: RemoteHandle) => void): Promise<GatewayPlugin> {
  const config = parseRemoteConfig(JSON.parse(await readFile(file, 'utf8')));
  const source = await openKeySource(config);
  return remoteRoutes({ settings: remoteSettings(config), keySource: source.keys, codes: source.codes, expose });
}
