const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * A timestamp of the format (ms since the Unix epoch, UTC) as Beijing time,
 * UTC+8 (China has no daylight saving): "2025-12-01 16:00:09.200 +08:00".
 * The value comes from a bundle, so anything a Date cannot hold (beyond
 * ±8.64e15 ms, though the format allows up to 2^53 - 1) is shown as the raw
 * number rather than thrown on.
 */
export function beijingTime(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) return `${ms} ms`;
  return d.toISOString().replace('T', ' ').replace('Z', ' +08:00');
}
