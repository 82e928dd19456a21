import type { Anchor, AnchorRef } from '../index.js';
import { UsageError } from './args.js';
import { loadEvmAnchor } from './online.js';
import { policyPath, type LoadedTrust } from './trust-file.js';
import { importAdapter } from './adapter-module.js';

/** The Fabric adapter's entry point in @evidence/chaincode, loaded only when a Fabric anchor is asked. */
interface ChaincodeModule {
  connectFabricAnchor(settings: {
    peerEndpoint: string;
    peerHostAlias?: string;
    mspId: string;
    certPath: string;
    keyPath: string;
    tls: { rootCertPath: string } | null;
    channel: string;
    chaincode: string;
    timeouts: { evaluate: number; endorse: number; submit: number; commitStatus: number };
  }): Promise<Anchor & { close?: () => void | Promise<void> }>;
}

/** Flags that name a chain (they win over the trust policy's chains). */
export interface ChainFlags {
  rpc?: string;
  contract?: string;
  fabricPeer?: string;
  fabricMsp?: string;
  fabricCert?: string;
  fabricKey?: string;
  fabricTlsCa?: string;
  fabricHostAlias?: string;
  fabricChannel?: string;
  fabricChaincode?: string;
}

export const CHAIN_FLAGS = ['rpc', 'contract', 'fabric-peer', 'fabric-msp', 'fabric-cert', 'fabric-key', 'fabric-tls-ca', 'fabric-host-alias', 'fabric-channel', 'fabric-chaincode'];

/**
 * Opens the anchor to ask for a bundle, once per chain kind: EVM from --rpc
 * (or the policy's chains.evm), Fabric from the --fabric-* flags (or the
 * policy's chains.fabric, its paths relative to the policy file). Which kind
 * a bundle is asked on follows its anchor member; the member is the bundle's
 * claim, but only chains the verifier itself named are ever asked.
 */
export class Anchors {
  private readonly open = new Map<'evm' | 'fabric', Promise<Anchor>>();

  constructor(
    private readonly flags: ChainFlags,
    private readonly trust: LoadedTrust | undefined,
  ) {}

  /** Whether any chain is configured at all (flags or policy). */
  get configured(): boolean {
    return this.kinds().length > 0;
  }

  /** The chain to ask for a bundle with this anchor member, or null when none is configured. */
  kindFor(ref: AnchorRef | null | undefined): 'evm' | 'fabric' | null {
    const kinds = this.kinds();
    if (ref && kinds.includes(ref.chain)) return ref.chain;
    return kinds[0] ?? null;
  }

  async anchor(kind: 'evm' | 'fabric'): Promise<Anchor> {
    let a = this.open.get(kind);
    if (!a) {
      a = kind === 'evm' ? this.openEvm() : this.openFabric();
      this.open.set(kind, a);
    }
    return a;
  }

  async close(): Promise<void> {
    for (const a of this.open.values()) {
      const anchor = (await a.catch(() => null)) as (Anchor & { close?: () => void | Promise<void> }) | null;
      await anchor?.close?.();
    }
  }

  private kinds(): ('evm' | 'fabric')[] {
    const out: ('evm' | 'fabric')[] = [];
    if (this.flags.rpc || this.trust?.policy.chains.evm) out.push('evm');
    if (this.flags.fabricPeer || this.trust?.policy.chains.fabric) out.push('fabric');
    return out;
  }

  private async openEvm(): Promise<Anchor> {
    const evm = this.trust?.policy.chains.evm;
    const rpc = this.flags.rpc ?? evm?.rpcUrl;
    if (!rpc) throw new UsageError('no EVM chain: give --rpc URL or a trust policy with chains.evm');
    const anchor = await loadEvmAnchor(rpc, this.flags.contract ?? evm?.contract);
    if (evm && !this.flags.rpc) {
      // The policy names the chain by id too: an RPC URL that now answers for another chain is refused.
      const chainId = await (anchor as Anchor & { chainId?: () => Promise<number> }).chainId?.();
      if (chainId !== undefined && chainId !== evm.chainId) {
        (anchor as Anchor & { close?: () => void }).close?.();
        throw new UsageError(`the chain at ${rpc} has chain id ${chainId}, the trust policy names ${evm.chainId}`);
      }
    }
    return anchor;
  }

  private async openFabric(): Promise<Anchor> {
    const mod = await importAdapter<ChaincodeModule>('@evidence/chaincode');
    const f = this.trust?.policy.chains.fabric;
    const path = (p: string | undefined, flag: string | undefined) => flag ?? (p && this.trust ? policyPath(this.trust, p) : undefined);
    const peerEndpoint = this.flags.fabricPeer ?? f?.peerEndpoint;
    const mspId = this.flags.fabricMsp ?? f?.mspId;
    const certPath = path(f?.certPath, this.flags.fabricCert);
    const keyPath = path(f?.keyPath, this.flags.fabricKey);
    const tlsCa = this.flags.fabricTlsCa ?? (f?.tlsCaPath ? path(f.tlsCaPath, undefined) : undefined);
    if (!peerEndpoint || !mspId || !certPath || !keyPath) {
      throw new UsageError('a Fabric check needs the peer, an MSP id and a client identity: --fabric-peer, --fabric-msp, --fabric-cert, --fabric-key (or chains.fabric in the trust policy)');
    }
    if (!tlsCa && f?.tlsCaPath !== null) throw new UsageError('a Fabric check needs the peer\'s TLS CA: --fabric-tls-ca (or chains.fabric.tlsCaPath; null only for a plaintext development peer)');
    const peerHostAlias = this.flags.fabricHostAlias ?? f?.peerHostAlias;
    return mod.connectFabricAnchor({
      peerEndpoint,
      ...(peerHostAlias ? { peerHostAlias } : {}),
      mspId,
      certPath,
      keyPath,
      tls: tlsCa ? { rootCertPath: tlsCa } : null,
      channel: this.flags.fabricChannel ?? f?.channel ?? 'evidence',
      chaincode: this.flags.fabricChaincode ?? f?.chaincode ?? 'anchor',
      timeouts: { evaluate: 10_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000 },
    });
  }
}
