/**
 * `npm run build:verifier`: builds the offline verification page as ONE
 * self-contained HTML file (gateway/web/dist/evidence-verifier.html) that works
 * opened from disk with no network. It bundles the real core verifier and the
 * real EVM adapter (for the optional online check); modules that reach for
 * node's APIs get browser stand-ins:
 *   core/src/hash/sm3.ts             -> core/src/hash/sm3-browser.ts (the WASM SM3)
 *   @evidence/contracts               -> its evm-anchor module alone
 *   contracts/src/artifacts.ts        -> the contracts' ABIs, inlined at build time
 * Any other node: import fails the build, so nothing else can slip in.
 */
import { build, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = process.argv[2] ?? join(root, 'gateway/web/dist/evidence-verifier.html');

const browserStandIns: Plugin = {
  name: 'browser-stand-ins',
  setup(b) {
    const coreSm3 = join(root, 'core/src/hash/sm3.ts');
    b.onResolve({ filter: /sm3\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === coreSm3
        ? { path: join(root, 'core/src/hash/sm3-browser.ts') }
        : undefined,
    );
    // ids.ts (UUIDv7), random.ts and sm4/ (envelope, payload cipher) are gateway-side, and the
    // audit's worker pool is the regulator's: the page never calls them; the core index still
    // imports them, so their node: modules resolve to stand-ins that throw if anything ever
    // calls into them. Each stand-in names its exports, so a new node: import there still
    // fails the build instead of slipping in.
    // The gateway-to-gateway envelope (envelope/aead.ts) and the worker pool (workers/pool.ts) are server-side too.
    const nodeSide = ['ids.ts', 'random.ts', 'sm4/envelope.ts', 'sm4/payload.ts', 'audit/pool.ts', 'envelope/aead.ts', 'workers/pool.ts'].map((f) => join(root, 'core/src', f));
    const standInExports: Record<string, string[]> = {
      'node:crypto': ['randomBytes', 'createCipheriv', 'createDecipheriv', 'createHmac', 'timingSafeEqual'],
      'node:module': ['createRequire'],
      'node:os': ['availableParallelism'],
      'node:url': ['pathToFileURL'],
      'node:worker_threads': ['Worker'],
    };
    b.onResolve({ filter: /^node:/ }, (args) =>
      nodeSide.includes(args.importer) && standInExports[args.path] ? { path: args.path, namespace: 'unavailable' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'unavailable' }, (args) => ({
      contents: `const no = () => { throw new Error('not available in the verification page'); };
export const ${standInExports[args.path]!.map((name) => `${name} = no`).join(', ')};`,
      loader: 'js',
    }));
    // The page needs only the Anchor adapter, not deployment or the local chain.
    b.onResolve({ filter: /^@evidence\/contracts$/ }, () => ({ path: join(root, 'contracts/src/evm-anchor.ts') }));
    b.onResolve({ filter: /^\.\/artifacts\.js$/ }, (args) =>
      args.importer.includes(join('contracts', 'src')) ? { path: 'artifacts', namespace: 'inline-abi' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'inline-abi' }, () => {
      const names = ['EvidenceAnchor', 'ConsentRegistry', 'ClaimVerifier', 'CredentialRegistry'];
      const abis = Object.fromEntries(
        names.map((n) => [
          n,
          (JSON.parse(readFileSync(join(root, `contracts/artifacts/solidity/${n}.sol/${n}.json`), 'utf8')) as { abi: unknown }).abi,
        ]),
      );
      return {
        contents: `import { Interface } from 'ethers';
const abis = ${JSON.stringify(abis)};
export const CONTRACT_NAMES = ${JSON.stringify(names)};
export function contractInterface(name) {
  if (!abis[name]) throw new Error('contract ABI not bundled in the page: ' + name);
  return new Interface(abis[name]);
}`,
        loader: 'js',
        resolveDir: join(root, 'contracts/src'),
      };
    });
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} imported by ${args.importer} cannot run in the browser page` }],
    }));
  },
};

const result = await build({
  entryPoints: [join(root, 'gateway/web/verifier/page.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  conditions: ['source'],
  legalComments: 'none',
  plugins: [browserStandIns],
  logLevel: 'warning',
});

const js = result.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
const template = readFileSync(join(root, 'gateway/web/verifier/index.html'), 'utf8');
// The certificate's style comes from the core renderer the CLI prints with, so the two reports are one layout.
const { CERTIFICATE_CSS } = await import('../core/src/trust/certificate.js');
const html = template.replace('/*CERTIFICATE_CSS*/', () => CERTIFICATE_CSS).replace('/*BUNDLE*/', () => js);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, html);
console.log(`verification page: ${outFile} (${(html.length / 1024).toFixed(0)} KiB)`);
