import { createRequire } from 'node:module';
import secureJson from 'secure-json-parse';
import { Type, type TSchema } from 'typebox';
import { GatewayError } from '../errors.js';
import { AJV_CUSTOM_OPTIONS, validationMessage, type SchemaError } from '../http/validation.js';
import { EvidenceInput } from '../routes/evidence/schemas.js';
import type { RecordInput } from './prepare.js';

/** The body of POST /v1/evidence/batch. */
export const bulkBodySchema = (maxItems: number): TSchema =>
  Type.Object({ items: Type.Array(EvidenceInput, { minItems: 1, maxItems }) }, { additionalProperties: false });

type Validate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
type BuildValidator = (input: { schema: TSchema; method: string; url: string; httpPart: string }) => Validate;

// Fastify's own validator compiler, so a bulk body validated in an intake
// worker passes and fails exactly as it would in the route.
const require = createRequire(import.meta.url);
const ajvCompiler = require('@fastify/ajv-compiler') as () => (external: object, options: { customOptions: object }) => BuildValidator;
const build = ajvCompiler()({}, { customOptions: AJV_CUSTOM_OPTIONS });
const validators = new Map<number, Validate>();

/**
 * Parses and validates a bulk body from its raw text, as Fastify's JSON parser
 * and the route schema would (prototype poisoning refused, the first schema
 * error named). The text is the caller's, every byte of it.
 */
export function readBulkBody(text: string, maxItems: number): RecordInput[] {
  if (text.length === 0) throw new GatewayError('BAD_JSON', "the body is not valid JSON: Body cannot be empty when content-type is set to 'application/json'");
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new GatewayError('BAD_JSON', "the body is not valid JSON: Body is not valid JSON but content-type is set to 'application/json'");
  }
  let validate = validators.get(maxItems);
  if (!validate) validators.set(maxItems, (validate = build({ schema: bulkBodySchema(maxItems), method: 'POST', url: '/v1/evidence/batch', httpPart: 'body' })));
  if (!validate(body)) throw new GatewayError('VALIDATION_FAILED', validationMessage(validate.errors ?? [], 'body'));
  return (body as { items: RecordInput[] }).items;
}
