import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import { errorResponses } from '../schemas.js';

/**
 * Where `npm run build:verifier` writes the page: gateway/web/dist/. This
 * module sits at the same depth under gateway/src/ and gateway/dist/, so the
 * relative path holds for both.
 */
export const DEFAULT_VERIFIER_PAGE = fileURLToPath(new URL('../../../web/dist/evidence-verifier.html', import.meta.url));

/** The page's own policy, repeated as a header: inline script and WASM only; fetches only for the optional online check. */
const CSP = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; connect-src http: https:;";

/**
 * GET /verify: the offline verification page (the same self-contained file a
 * court opens from disk), served to anyone: it holds no data, and a bundle
 * pasted into it never leaves the browser. Read once; while the file is
 * missing every request looks again, so building it needs no restart.
 */
export const verifyPageRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const path = ctx.config.VERIFIER_PAGE ?? DEFAULT_VERIFIER_PAGE;
  let page: Buffer | null = null;

  app.get(
    '/verify',
    {
      schema: {
        tags: ['system'],
        summary: 'Verification page for courts and regulators / 证明核验页面',
        description:
          'One self-contained HTML page: drop or paste a proof bundle, see each step of spec section 8. 503 VERIFIER_NOT_BUILT until `npm run build:verifier` has run. / 单文件离线核验页面；未构建时返回 503。',
        response: { ...errorResponses(503) },
      },
    },
    async (_req, reply) => {
      page ??= await readFile(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        throw new GatewayError(
          'VERIFIER_NOT_BUILT',
          'the verification page is not built: run `npm run build:verifier` (part of `npm ci`) / 核验页面尚未构建，请运行 npm run build:verifier',
        );
      });
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(page);
    },
  );
};
