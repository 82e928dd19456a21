import type { CliIo } from './io.js';

/** A file that could not be read (exit 2) or is not JSON (an invalid input, exit 1). */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly unreadable: boolean,
  ) {
    super(message);
  }
}

export async function readJson(io: CliIo, file: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (e) {
    throw new ReadError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, true);
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (e) {
    throw new ReadError(`${file} is not UTF-8 JSON: ${(e as Error).message}`, false);
  }
}
