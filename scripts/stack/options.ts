import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface StackOptions {
  /** How many gateways (institutions) to run. */
  gateways: number;
  chainPort: number;
  /** First gateway port; gateway i listens on gatewayPort + i. */
  gatewayPort: number;
  /** Where everything lives: .local/ at the repository root. */
  dir: string;
  /** Seconds between blocks of the local chain; 0 mines every transaction at once. */
  blockTime: number;
}

export const HELP = `npm start [-- --gateways N] [--chain-port P] [--gateway-port P] [--block-time S]

Starts the local evidence network / 启动本地存证网络:
  a Hardhat JSON-RPC chain on 127.0.0.1 (state kept in .local/chain/)  本地区块链（状态保存在 .local/chain/）
  the contracts, deployed once (.local/deployment.json)                  合约（只部署一次）
  N gateways with LevelDB data in .local/gateways/<code>/               N 个服务开放设备（数据在 .local/gateways/）
and writes .local/stack.json. Ctrl-C stops everything. / 按 Ctrl-C 全部停止。

  --gateways N        number of gateways (default 2)              网关数量（默认 2）
  --chain-port P      chain RPC port (default 8545; 0: any)       链 RPC 端口（默认 8545；0 为任意）
  --gateway-port P    first gateway port (default 8081; 0: any)   第一个网关端口（默认 8081；0 为任意）
  --block-time S      seconds between blocks (default 2, as consortium chains and Fabric orderers cut them; 0: mine at once)
                      出块间隔秒数（默认 2，与联盟链、Fabric 排序节点相当；0 为即时出块，仅供快速试验）
  --dir PATH          state folder (default .local)               状态目录（默认 .local）
Environment: STACK_GATEWAYS, STACK_CHAIN_PORT, STACK_GATEWAY_PORT, STACK_BLOCK_TIME, STACK_DIR.
To start afresh, stop it and delete .local/ / 如需重置，停止后删除 .local/ 目录。`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): StackOptions | 'help' {
  const o: StackOptions = {
    gateways: Number(env.STACK_GATEWAYS ?? 2),
    chainPort: Number(env.STACK_CHAIN_PORT ?? 8545),
    gatewayPort: Number(env.STACK_GATEWAY_PORT ?? 8081),
    dir: resolve(ROOT, env.STACK_DIR ?? '.local'),
    blockTime: Number(env.STACK_BLOCK_TIME ?? 2),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer / ${a} 需要非负整数`);
      return v;
    };
    if (a === '--help' || a === '-h') return 'help';
    else if (a === '--gateways') o.gateways = value();
    else if (a === '--chain-port') o.chainPort = value();
    else if (a === '--gateway-port') o.gatewayPort = value();
    else if (a === '--block-time') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0 || v > 60) throw new Error('--block-time needs seconds in 0..60 / --block-time 需要 0..60 秒');
      o.blockTime = v;
    }
    else if (a === '--dir') {
      const dir = argv[++i];
      if (!dir) throw new Error('--dir needs a path / --dir 需要路径');
      o.dir = resolve(dir);
    }
    else throw new Error(`unknown option ${a} (see --help) / 未知选项 ${a}`);
  }
  if (!Number.isFinite(o.blockTime) || o.blockTime < 0 || o.blockTime > 60) throw new Error('STACK_BLOCK_TIME must be 0..60 seconds / 出块间隔须为 0..60 秒');
  if (!Number.isInteger(o.gateways) || o.gateways < 1 || o.gateways > 9) throw new Error('--gateways must be 1..9 / 网关数量须为 1..9');
  return o;
}

/** Institution code of gateway i (0-based): H330100001, H330100002, ... */
export const gatewayCode = (i: number): string => `H3301000${String(i + 1).padStart(2, '0')}`;
