import { createRequire } from 'node:module';
import secureJson from 'secure-json-parse';
import type { TSchema } from 'typebox';
import { GatewayError } from '../errors.js';
import { AJV_CUSTOM_OPTIONS, validationMessage, type SchemaError } from '../http/validation.js';
import type { BodyShape, Where } from '../ports/intake.js';
import { assertExactJson, assertUtf8, assertWellFormed } from './exact-json.js';
import { bulkBodySchema, EvidenceInput } from './input-schema.js';
import type { RecordInput } from './prepare.js';

/** How items are named in errors: "body/" for one event, "body/items/<i>/" in a bulk feed. */
export const itemName = (where: Where): ((i: number) => string) => (where.indexed ? (i) => `${where.prefix}${i}/` : () => where.prefix);

type Validate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
type BuildValidator = (input: { schema: TSchema; method: string; url: string; httpPart: string }) => Validate;

// Fastify's own validator compiler, so a bulk body validated in an intake
// worker passes and fails exactly as it would in the route.
const require = createRequire(import.meta.url);
const ajvCompiler = require('@fastify/ajv-compiler') as () => (external: object, options: { customOptions: object }) => BuildValidator;
const build = ajvCompiler()({}, { customOptions: AJV_CUSTOM_OPTIONS });
const validators = new Map<string, Validate>();

/**
 * The request step: a body as received (its text, or its bytes, decoded here
 * as UTF-8) read as Fastify's JSON parser and the route schema would
 * (prototype poisoning refused, the first schema error named), and refused
 * unless it can be committed exactly as sent (exact-json.ts); returns its
 * events. Every byte of the body is the sender's.
 */
export function readRequest(raw: string | Uint8Array, shape: BodyShape): RecordInput[] {
  if (typeof raw === 'string') assertWellFormed(raw);
  else assertUtf8(raw);
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (text.length === 0) throw new GatewayError('BAD_JSON', "the body is not valid JSON: Body cannot be empty when content-type is set to 'application/json'");
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new GatewayError('BAD_JSON', "the body is not valid JSON: Body is not valid JSON but content-type is set to 'application/json'");
  }
  assertExactJson(text);
  const key = shape.kind === 'bulk' ? `bulk:${shape.maxItems}` : 'event';
  let validate = validators.get(key);
  if (!validate) {
    const schema = shape.kind === 'bulk' ? bulkBodySchema(shape.maxItems) : EvidenceInput;
    validators.set(key, (validate = build({ schema, method: 'POST', url: shape.kind === 'bulk' ? '/v1/evidence/batch' : '/v1/evidence', httpPart: 'body' })));
  }
  if (!validate(body)) throw new GatewayError('VALIDATION_FAILED', validationMessage(validate.errors ?? [], 'body'));
  return shape.kind === 'bulk' ? (body as { items: RecordInput[] }).items : [body as RecordInput];
}
