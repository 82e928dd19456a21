import { concatBytes, fromHex, sm2Sign, sm2Verify, toHex, utf8 } from '@evidence/core';

/**
 * Webhook deliveries are signed with the gateway's SM2 key, so a subscriber
 * can tell a push from the gateway from one forged by anybody who learnt its
 * URL. Signed message: utf8("<delivery id>.<timestamp>.") || body bytes.
 *
 * Headers: X-Evidence-Gateway (gateway id), X-Evidence-Delivery (stable per
 * delivery: retries carry the same id, so subscribers de-duplicate on it),
 * X-Evidence-Timestamp (ms), X-Evidence-Signature ("sm2=" + 64-byte r||s hex).
 */
export const WEBHOOK_HEADERS = {
  gateway: 'x-evidence-gateway',
  delivery: 'x-evidence-delivery',
  timestamp: 'x-evidence-timestamp',
  signature: 'x-evidence-signature',
} as const;

function message(delivery: string, timestamp: string, body: string): Uint8Array {
  return concatBytes(utf8(`${delivery}.${timestamp}.`), utf8(body));
}

export function signWebhook(
  body: string,
  delivery: string,
  gateway: string,
  sm2: { privateKey: string; publicKey: string },
  timestamp = Date.now(),
): Record<string, string> {
  const ts = String(timestamp);
  const sig = sm2Sign(message(delivery, ts, body), sm2.privateKey, sm2.publicKey);
  return {
    'content-type': 'application/json',
    [WEBHOOK_HEADERS.gateway]: gateway,
    [WEBHOOK_HEADERS.delivery]: delivery,
    [WEBHOOK_HEADERS.timestamp]: ts,
    [WEBHOOK_HEADERS.signature]: `sm2=${toHex(sig)}`,
  };
}

/** For subscribers: checks a delivery against the gateway's public key (GET /v1/gateway). */
export function verifyWebhook(headers: Record<string, string | string[] | undefined>, body: string, publicKey: string): boolean {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const delivery = one(WEBHOOK_HEADERS.delivery);
  const ts = one(WEBHOOK_HEADERS.timestamp);
  const sig = one(WEBHOOK_HEADERS.signature);
  if (!delivery || !ts || !sig?.startsWith('sm2=')) return false;
  let sigBytes: Uint8Array;
  try {
    sigBytes = fromHex(sig.slice(4), 64, 'signature');
  } catch {
    return false;
  }
  return sm2Verify(message(delivery, ts, body), sigBytes, publicKey);
}
