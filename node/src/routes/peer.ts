import type { FastifyPluginAsync } from 'fastify';
import { SIGNATURE_HEADER, SIGNER_HEADER } from '../peers/signed-body.js';
import type { RoutingNode } from '../routing-node.js';
import { tlsPeerId } from '../tls/tls-files.js';

/**
 * POST /v1/peer/update (from neighbour nodes) and POST /v1/publish (from
 * gateways). Their signature covers the exact body bytes, so in this scope
 * JSON bodies are kept raw and parsed only after the signature verifies.
 */
export const peerRoutes: FastifyPluginAsync<{ node: RoutingNode }> = async (app, { node }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: node.limits.peerBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.post('/v1/peer/update', { bodyLimit: node.limits.peerBodyBytes }, async (request) => {
    return node.receiveUpdate(request.body as Buffer, request.headers[SIGNER_HEADER], request.headers[SIGNATURE_HEADER], tlsPeerId(request.raw.socket));
  });

  app.post('/v1/publish', { bodyLimit: node.limits.peerBodyBytes }, async (request) => {
    return node.receivePublish(request.body as Buffer, request.headers[SIGNER_HEADER], request.headers[SIGNATURE_HEADER], tlsPeerId(request.raw.socket));
  });
};
