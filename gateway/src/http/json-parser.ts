import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for SM2 request signatures over its digest (bytes for a bulk feed). */
    rawBody?: string | Uint8Array;
  }
}

/**
 * Only JSON bodies are accepted. They are parsed by Fastify's own parser (which refuses __proto__ and
 * constructor poisoning) after the raw text is kept for signature checks.
 */
export function keepRawJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // Evidence arrives as JSON only; any other media type is refused with 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    parse(req, body as string, done);
  });
}
