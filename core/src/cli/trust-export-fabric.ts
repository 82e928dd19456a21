import { resolve } from 'node:path';
import { entityId, parseTrustPolicy, toHex, TRUST_FORMAT, type TrustPolicy } from '../index.js';
import { UsageError } from './args.js';
import type { ChainFlags } from './anchors.js';
import { importAdapter } from './adapter-module.js';

/** The registry reads of @evidence/chaincode this export uses, loaded only here. */
interface ChaincodeModule {
  connectFabricGateway(settings: object): Promise<{ port: unknown; close(): void }>;
  getGateway(port: unknown, id: string): Promise<{ id: string; code: string | null; active: boolean; keys: { fromSeq: number; publicKey: string; setAt: number }[] } | null>;
  getNode(port: unknown, id: string): Promise<{ id: string; code: string | null; active: boolean; keys: { from: number; publicKey: string }[] } | null>;
}

/**
 * The trust policy a Fabric registry states for the institutions and routing
 * nodes named by code: the chaincode keeps each one's record and key history
 * under its id (registry:GetGateway, registry:GetNode) but offers no listing,
 * so the codes are the exporter's input. It keeps no witness registry either:
 * the witnesses come from a witness policy, if any. The peer and identity the
 * export used become chains.fabric, so a court's verify asks the same peer.
 */
export async function exportFabricPolicy(
  flags: ChainFlags,
  codes: { gateways: string[]; nodes: string[] },
  names: Map<string, { code: string; name: string }>,
  issuer: string | undefined,
): Promise<TrustPolicy> {
  const { fabricPeer: peerEndpoint, fabricMsp: mspId, fabricCert, fabricKey, fabricTlsCa } = flags;
  if (!peerEndpoint || !mspId || !fabricCert || !fabricKey) throw new UsageError('a Fabric export needs --fabric-peer, --fabric-msp, --fabric-cert and --fabric-key (and --fabric-tls-ca)');
  if (codes.gateways.length + codes.nodes.length === 0) throw new UsageError('a Fabric registry cannot be listed: name the institutions with --gateways CODE,CODE and the routing nodes with --nodes CODE,CODE');
  const mod = await importAdapter<ChaincodeModule>('@evidence/chaincode');
  const fabric = {
    peerEndpoint,
    ...(flags.fabricHostAlias ? { peerHostAlias: flags.fabricHostAlias } : {}),
    channel: flags.fabricChannel ?? 'evidence',
    chaincode: flags.fabricChaincode ?? 'anchor',
    mspId,
    certPath: resolve(fabricCert),
    keyPath: resolve(fabricKey),
    tlsCaPath: fabricTlsCa ? resolve(fabricTlsCa) : null,
  };
  const connection = await mod.connectFabricGateway({
    ...fabric,
    tls: fabric.tlsCaPath ? { rootCertPath: fabric.tlsCaPath } : null,
    timeouts: { evaluate: 10_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000 },
  });
  try {
    const institutions = [];
    for (const code of codes.gateways) {
      const id = toHex(entityId(code));
      const record = await mod.getGateway(connection.port, id);
      if (!record) throw new UsageError(`institution ${code} (${id}) is not registered on this channel's registry`);
      const keys = record.keys.filter((k, i) => record.keys[i + 1]?.fromSeq !== k.fromSeq);
      institutions.push({
        code,
        name: names.get(id)?.name ?? '',
        gateway: id,
        keys: keys.map((k, i) => ({ publicKey: k.publicKey, fromSeq: k.fromSeq, toSeq: i + 1 < keys.length ? keys[i + 1]!.fromSeq - 1 : null, fromTime: k.setAt })),
      });
    }
    const nodes = [];
    for (const code of codes.nodes) {
      const id = toHex(entityId(code));
      const record = await mod.getNode(connection.port, id);
      if (!record) throw new UsageError(`routing node ${code} (${id}) is not registered on this channel's registry`);
      const keys = record.keys.filter((k, i) => record.keys[i + 1]?.from !== k.from);
      nodes.push({ code, name: names.get(id)?.name ?? '', id, keys: keys.map((k) => ({ publicKey: k.publicKey, fromTime: k.from })) });
    }
    return parseTrustPolicy({ format: TRUST_FORMAT, ...(issuer ? { issuer } : {}), issuedAt: Date.now(), chains: { fabric }, institutions, nodes, witnesses: { quorum: 0, witnesses: [] } });
  } finally {
    connection.close();
  }
}
