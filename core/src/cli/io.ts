/** What a command may touch: injected so commands are testable without a process. */
export interface CliIo {
  readFile(path: string): Promise<Uint8Array>;
  stdout(line: string): void;
  stderr(line: string): void;
  /** Redraws one status line on stderr; only present when stderr is a terminal (progress bars). */
  progress?(line: string): void;
}
