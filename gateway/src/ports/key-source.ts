/** The gateway's secrets, wherever they are kept. */
export interface GatewayKeys {
  /** SM2 key pair that signs batch headers and webhook deliveries (hex; public 04||x||y). */
  sm2: { privateKey: string; publicKey: string };
  /** 32-byte secret of subject pseudonyms, SM3(subjectKey || idNumber). */
  subjectKey: Uint8Array;
  /** 32-byte SM4 key that wraps every per-record payload key. */
  masterKey: Uint8Array;
}

/**
 * Where a gateway's keys come from: a key file today (keys.ts), a KMS or HSM
 * adapter later. Several instances of one gateway open the same source and
 * must get the same keys. `where` names the source in start-up logs, never a
 * secret.
 */
export interface KeySource {
  where: string;
  load(): Promise<GatewayKeys>;
}
