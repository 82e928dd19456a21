/** What a command may touch: injected so commands are testable without a process. */
export interface CliIo {
  readFile(path: string): Promise<Uint8Array>;
  stdout(line: string): void;
  stderr(line: string): void;
}
