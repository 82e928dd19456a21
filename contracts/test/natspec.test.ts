/**
 * The team's Solidity style, checked on the compiler's own output: NatSpec on
 * every external function, event and error; custom errors named after their
 * contract; events named in the past tense.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorFragment, EventFragment, FunctionFragment, Interface } from 'ethers';
import { CONTRACT_NAMES, contractInterface } from '../src/index.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/solidity/', import.meta.url));

interface Docs {
  userdoc: { methods?: Record<string, { notice?: string }>; events?: Record<string, { notice?: string }>; errors?: Record<string, { notice?: string }[]> };
}

/** userdoc and devdoc of a contract, from the build-info its artifact points to. */
function docsOf(name: string): Docs {
  const dbgPath = join(ARTIFACTS, `${name}.sol`, `${name}.dbg.json`);
  const dbg = JSON.parse(readFileSync(dbgPath, 'utf8')) as { buildInfo: string };
  const build = JSON.parse(readFileSync(join(dirname(dbgPath), dbg.buildInfo), 'utf8')) as {
    output: { contracts: Record<string, Record<string, { metadata: string }>> };
  };
  const metadata = JSON.parse(build.output.contracts[`solidity/${name}.sol`]![name]!.metadata) as { output: Docs };
  return metadata.output;
}

/**
 * Items inherited from OpenZeppelin's AccessControl: documented (or not, like
 * its DEFAULT_ADMIN_ROLE constant) upstream, outside this rule.
 */
const INHERITED = /^(grantRole|revokeRole|renounceRole|hasRole|getRoleAdmin|supportsInterface|DEFAULT_ADMIN_ROLE|RoleGranted|RoleRevoked|RoleAdminChanged|AccessControl\w+)$/;

describe.each(CONTRACT_NAMES.map((n) => [n]))('%s', (name) => {
  const iface: Interface = contractInterface(name);
  const docs = docsOf(name);

  it('documents every external function, event and error', () => {
    const undocumented: string[] = [];
    for (const f of iface.fragments) {
      if (!('name' in f) || INHERITED.test(String(f.name))) continue;
      const sig = f.format('sighash');
      if (f instanceof FunctionFragment && !docs.userdoc.methods?.[sig]?.notice) undocumented.push(sig);
      if (f instanceof EventFragment && !docs.userdoc.events?.[sig]?.notice) undocumented.push(sig);
      if (f instanceof ErrorFragment && !docs.userdoc.errors?.[sig]?.[0]?.notice) undocumented.push(sig);
    }
    expect(undocumented).toEqual([]);
  });

  it('names its custom errors after the contract', () => {
    const own = iface.fragments.filter((f): f is ErrorFragment => f instanceof ErrorFragment && !INHERITED.test(f.name));
    expect(own.length).toBeGreaterThan(0);
    for (const e of own) expect(e.name).toMatch(new RegExp(`^${name}__[A-Z]\\w+$`));
  });

  it('names its events in the past tense', () => {
    for (const e of iface.fragments.filter((f): f is EventFragment => f instanceof EventFragment)) {
      expect(e.name).toMatch(/(ed|Set)$/);
    }
  });
});
