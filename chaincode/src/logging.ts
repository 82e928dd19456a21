/*
 * fabric-contract-api logs every decorator it applies at "info", the default
 * when the peer sets no CORE_CHAINCODE_LOGGING_LEVEL. Imported before it, this
 * makes the default "warning"; a level set by the operator (or the peer) wins.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
export {};
