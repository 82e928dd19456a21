import type { Recorded } from '../../evidence/service.js';

/**
 * The 202 body of a bulk request, { count, items: Accepted[] }, written by
 * hand: a thousand items through the schema serializer cost more than
 * recording them. Every field is ours (hex strings, integers, booleans), never
 * the caller's, so nothing needs escaping; the route's response schema still
 * documents the shape and the unit test holds this to JSON.stringify.
 */
export function acceptedJson(items: readonly Recorded[]): string {
  let out = `{"count":${items.length},"items":[`;
  for (let i = 0; i < items.length; i++) {
    const { id, leaf, duplicate } = items[i]!;
    if (i > 0) out += ',';
    out +=
      `{"id":"${id}","leaf":{"v":${leaf.v},"kind":${leaf.kind},"id":"${leaf.id}","gateway":"${leaf.gateway}","subject":"${leaf.subject}",` +
      `"ts":${leaf.ts},"commitment":"${leaf.commitment}"},"status":"pending","duplicate":${duplicate}}`;
  }
  return out + ']}';
}
