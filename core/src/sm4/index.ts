// SM4 at rest: the general envelope (key blocks, wrapped keys) and the one-key-per-record payload cipher.
export * from './envelope.js';
export * from './payload.js';
