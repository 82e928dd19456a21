import type { Recorded } from '../../evidence/service.js';

/**
 * The 202 bodies of the intake routes, Accepted and { count, items:
 * Accepted[] }, written by hand: a thousand items through the schema
 * serializer cost more than recording them, and for one event several
 * times this (README: Intake threads). Every field is ours (hex strings,
 * integers, booleans), never the caller's, so nothing needs escaping; the
 * routes' response schemas still document the shapes and the unit test holds
 * both to JSON.stringify.
 */
export function acceptedJson(items: readonly Recorded[]): string {
  let out = `{"count":${items.length},"items":[`;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += acceptedItemJson(items[i]!);
  }
  return out + ']}';
}

/** One Accepted object, in the schema's field order. */
export function acceptedItemJson({ id, leaf, duplicate }: Recorded): string {
  return (
    `{"id":"${id}","leaf":{"v":${leaf.v},"kind":${leaf.kind},"id":"${leaf.id}","gateway":"${leaf.gateway}","subject":"${leaf.subject}",` +
    `"ts":${leaf.ts},"commitment":"${leaf.commitment}"},"status":"pending","duplicate":${duplicate}}`
  );
}
