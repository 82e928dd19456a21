/**
 * How request bodies are validated, in one place: the Fastify app and the
 * intake workers (which validate bulk bodies off the main thread) build the
 * same Ajv and word failures the same way.
 */

/** Refuse (not strip) unknown fields, and never coerce: evidence is committed to as sent. */
export const AJV_CUSTOM_OPTIONS = { removeAdditional: false, coerceTypes: false, useDefaults: false } as const;

/** The part of an Ajv error the message needs. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: unknown;
}

/** "body/payload/kind: must be ..." naming the field, from the first error (Ajv stops at it). */
export function validationMessage(errors: readonly SchemaError[], where: string): string {
  const first = errors[0];
  if (!first) return `${where}: is invalid`;
  const path = first.instancePath ? `${where}${first.instancePath}` : where;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties') return `${path}: unknown field "${String(params.additionalProperty)}"`;
  if (first.keyword === 'required') return `${path}/${String(params.missingProperty)}: is required`;
  if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${path}: ${first.message}: ${params.allowedValues.join(', ')}`;
  }
  return `${path}: ${first.message ?? 'is invalid'}`;
}
