import type { FastifyInstance } from 'fastify';
import { assertExactJson, assertUtf8 } from '../evidence/exact-json.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for SM2 request signatures over its digest (bytes for a bulk feed). */
    rawBody?: string | Uint8Array;
  }
}

/**
 * Only JSON bodies are accepted. They are parsed by Fastify's own parser (which refuses __proto__ and
 * constructor poisoning) after the raw text is kept for signature checks, and refused, as evidence
 * bodies are (evidence/exact-json.ts), when they are not UTF-8 or are JSON that JCS cannot keep exactly
 * (duplicate keys, inexact numbers, lone surrogates): what these routes record must be what was sent.
 */
export function keepRawJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // Evidence arrives as JSON only; any other media type is refused with 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      assertUtf8(body as Buffer);
      text = (body as Buffer).toString('utf8');
    } catch (e) {
      done(e as Error, undefined);
      return;
    }
    req.rawBody = text;
    parse(req, text, (error, value) => {
      if (error) return done(error, undefined);
      try {
        assertExactJson(text);
      } catch (e) {
        return done(e as Error, undefined);
      }
      done(null, value);
    });
  });
}
