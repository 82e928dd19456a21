import { JSONSerializer } from './fabric.js';

/**
 * fabric-contract-api's JSON serializer, except that objects are written with
 * JSON.stringify. The stock one calls class-transformer's classToPlain, which
 * class-transformer 0.4.1 (what fabric-contract-api's "^0.4.0" resolves to)
 * renamed instanceToPlain, so every object result failed with "classToPlain is
 * not a function". This chaincode's own transactions return strings; the object
 * result that needs this is the system contract's GetMetadata.
 */
export class EvidenceSerializer extends JSONSerializer {
  override toBuffer(result: unknown, schema: { type?: string } = {}, loggerPrefix?: string): Buffer {
    if (typeof result === 'object' && result !== null && schema.type !== 'string' && schema.type !== 'number') {
      return Buffer.from(JSON.stringify(result));
    }
    return super.toBuffer(result, schema, loggerPrefix);
  }
}
