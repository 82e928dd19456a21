import { SIGNATURE_HEADER, SIGNER_HEADER, signBody, type HopSigner, type HttpClient, type Publish } from '@evidence/node';

export interface PublisherOptions {
  signer: HopSigner;
  code: string;
  node: { id: string; url: string };
  client: HttpClient;
  services: readonly string[];
  ttlMs: number;
  onError?: (message: string) => void;
}

/**
 * Publishes this gateway's services to its routing node, signed with the
 * gateway key, and again every third of the time-to-live so the routes do
 * not age out while the gateway runs. On stop it publishes an empty set,
 * which withdraws the routes across the network at once.
 *
 * Several instances of one gateway (one key, one id) each publish their own
 * delivery address. The node keeps the newest publication of an id, so each
 * publication opens a new session stamped with the clock: the instance that
 * refreshed last is where deliveries go, and when one dies the others' next
 * refresh takes its place instead of being refused as older than it. A
 * publication replayed later is still refused: its session is older than the
 * last one accepted, and its ts beyond its time-to-live.
 */
export class ServicePublisher {
  private session = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private url: string | undefined;
  published = false;

  constructor(private readonly o: PublisherOptions) {}

  /** `url` is where the routing node reaches this gateway. Resolves after the first attempt. */
  async start(url: string): Promise<void> {
    this.url = url.replace(/\/+$/, '');
    await this.publishNow();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.url && this.published) await this.send([], 1000).catch(() => undefined);
    this.url = undefined;
  }

  /** Publishes at once (e.g. after the routing node restarted) and re-arms the refresh timer. */
  async publishNow(): Promise<void> {
    if (!this.url) return;
    clearTimeout(this.timer);
    const retryMs = Math.max(100, Math.floor(this.o.ttlMs / 3));
    try {
      await this.send(this.o.services, Math.min(5000, retryMs));
      this.published = true;
    } catch (e) {
      this.o.onError?.((e as Error).message);
    }
    if (!this.url) return;
    this.timer = setTimeout(() => void this.publishNow(), retryMs);
    this.timer.unref?.();
  }

  private async send(services: readonly string[], timeoutMs: number): Promise<void> {
    this.session = Math.max(Date.now(), this.session + 1);
    const message: Publish = {
      v: 1,
      gateway: this.o.signer.id,
      code: this.o.code,
      node: this.o.node.id,
      url: this.url!,
      session: this.session,
      seq: ++this.seq,
      ts: Date.now(),
      ttlMs: this.o.ttlMs,
      services: [...services],
    };
    const body = Buffer.from(JSON.stringify(message));
    const answer = await this.o.client.post(`${this.o.node.url}/v1/publish`, body, {
      timeoutMs,
      maxResponseBytes: 64 * 1024,
      headers: {
        [SIGNER_HEADER]: this.o.signer.id,
        [SIGNATURE_HEADER]: signBody(body, this.o.signer.privateKey, this.o.signer.publicKey),
      },
    });
    if (answer.status !== 200) throw new Error(`routing node refused the publication: ${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`);
  }
}
