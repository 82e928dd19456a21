// Hardhat 2 configuration. The package is ESM ("type": "module") and Hardhat 2
// loads only CommonJS configs, hence the .cjs extension.
//
// Compilation never downloads anything: the compiler is the npm `solc` package
// (its soljson.js), handed to Hardhat by overriding the subtask that would
// otherwise fetch a build from the network.
const path = require('node:path');

// Never stop a build to ask about telemetry (the prompt comes after this file loads).
process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT = 'true';

const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');
require('@nomicfoundation/hardhat-ethers');

const solcPackage = require('solc/package.json');
const SOLC_VERSION = solcPackage.version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, _hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) return runSuper();
  const solc = require('solc');
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version().replace(/\.Emscripten.*$/, ''),
  };
});

/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Tuned for cheap calls rather than cheap deployment: anchor() runs once
      // per batch for years. The legacy pipeline, not viaIR: IR dispatches
      // selectors linearly, which costs EvidenceAnchor.verifyInclusion (the
      // 21st of 27 selectors) some 350 gas per call; legacy searches them.
      optimizer: { enabled: true, runs: 10000 },
      viaIR: false,
      // Shanghai (PUSH0) runs on every maintained EVM chain; nothing here needs
      // transient storage or MCOPY.
      evmVersion: 'shanghai',
    },
  },
  paths: {
    root: __dirname,
    sources: path.join(__dirname, 'solidity'),
    artifacts: path.join(__dirname, 'artifacts'),
    cache: path.join(__dirname, 'cache'),
  },
  networks: {
    hardhat: { chainId: 31337 },
  },
};
