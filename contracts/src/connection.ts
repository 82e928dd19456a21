import { EvidenceError, type ErrorCode } from '@evidence/core';
import { FetchRequest, JsonRpcProvider, Network, Wallet, type Provider, type Signer } from 'ethers';

export interface ConnectionOptions {
  /** How often to poll the node for new blocks and receipts (ms); default 250. */
  pollingIntervalMs?: number;
  /** JSON-RPC endpoint (http or https). Used when no provider is given. */
  rpcUrl?: string;
  /** An ethers provider to use as is. */
  provider?: Provider;
  /** Signs transactions. Without one (and without privateKey) the connection is read-only. */
  signer?: Signer;
  /** 0x-prefixed secp256k1 private key; builds a Wallet on the provider. */
  privateKey?: string;
  /** Per-request timeout for rpcUrl connections. Default 15 s. */
  timeoutMs?: number;
}

export interface Connected {
  provider: Provider;
  signer: Signer | null;
  chainId: number;
}

export interface Connection {
  /** Connects on first use and resolves the same connection afterwards. */
  ready(): Promise<Connected>;
  /** Releases the provider if this connection created it. */
  close(): void;
}

/**
 * Opens a connection lazily: nothing touches the network until the first call.
 * For an rpcUrl the chain id is fetched once, with a timeout, and pinned as a
 * static network, so a node that is down yields one clear error instead of
 * ethers' endless "failed to detect network" retries; a later call tries again.
 */
export function openConnection(options: ConnectionOptions, unavailable: ErrorCode): Connection {
  if (!options.provider && !options.signer?.provider && !options.rpcUrl) {
    throw new EvidenceError('DEPLOYMENT_INVALID', 'an EVM connection needs rpcUrl, provider or a connected signer');
  }
  const url = options.provider || options.signer?.provider ? null : parseRpcUrl(options.rpcUrl!);
  let pending: Promise<Connected> | null = null;
  let owned: JsonRpcProvider | null = null;
  let closed = false;

  async function connect(): Promise<Connected> {
    let provider: Provider;
    let chainId: number;
    try {
      if (url) {
        chainId = await fetchChainId(url, options.timeoutMs);
        owned = new JsonRpcProvider(fetchRequest(url, options.timeoutMs), chainId, {
          staticNetwork: Network.from(chainId),
          batchMaxCount: 1,
          // No response cache: a nonce or a batch read a moment ago may be stale.
          cacheTimeout: -1,
          // Receipts are found by polling: ethers' default of 4 s would add up to 4 s to every
          // confirmation on consortium chains that cut a block every 1 to 5 s.
          pollingInterval: options.pollingIntervalMs ?? 250,
        });
        provider = owned;
      } else {
        provider = options.provider ?? options.signer!.provider!;
        chainId = Number((await provider.getNetwork()).chainId);
      }
    } catch (e) {
      throw new EvidenceError(unavailable, `cannot reach the chain: ${(e as Error).message}`, { cause: e });
    }
    let signer: Signer | null = null;
    if (options.signer) signer = options.signer.provider ? options.signer : options.signer.connect(provider);
    else if (options.privateKey) signer = new Wallet(options.privateKey, provider);
    return { provider, signer, chainId };
  }

  return {
    ready() {
      if (closed) return Promise.reject(new EvidenceError(unavailable, 'the connection is closed'));
      pending ??= connect().catch((e: unknown) => {
        pending = null;
        throw e;
      });
      return pending;
    },
    close() {
      closed = true;
      owned?.destroy();
    },
  };
}

function fetchRequest(url: string, timeoutMs = 15_000): FetchRequest {
  const request = new FetchRequest(url);
  request.timeout = timeoutMs;
  return request;
}

async function fetchChainId(url: string, timeoutMs?: number): Promise<number> {
  const request = fetchRequest(url, timeoutMs);
  request.setHeader('content-type', 'application/json');
  request.body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] });
  const response = await request.send();
  response.assertOk();
  const body = response.bodyJson as { result?: unknown; error?: { message?: string } };
  if (typeof body.result !== 'string') throw new Error(body.error?.message ?? 'the node sent no chain id');
  return Number(BigInt(body.result));
}

/** Accepts http(s) URLs only; anything else is a caller error, said plainly. */
function parseRpcUrl(rpcUrl: string): string {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new EvidenceError('DEPLOYMENT_INVALID', `not a URL: ${JSON.stringify(rpcUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EvidenceError('DEPLOYMENT_INVALID', `RPC URL must be http or https, got ${url.protocol}`);
  }
  return url.toString();
}
