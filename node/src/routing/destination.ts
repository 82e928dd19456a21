/**
 * A destination is a service published by an institution, written
 * "institution/service", e.g. "H330100002/emr.query". Route tables and peer
 * messages key on this string.
 */
export type Destination = string;

const INSTITUTION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SERVICE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function isInstitutionCode(value: unknown): value is string {
  return typeof value === 'string' && INSTITUTION_RE.test(value);
}

export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && SERVICE_RE.test(value);
}

export function destination(institution: string, service: string): Destination {
  return `${institution}/${service}`;
}

export function isDestination(value: unknown): value is Destination {
  if (typeof value !== 'string') return false;
  const slash = value.indexOf('/');
  return slash > 0 && isInstitutionCode(value.slice(0, slash)) && isServiceName(value.slice(slash + 1));
}

export function institutionOf(dest: Destination): string {
  return dest.slice(0, dest.indexOf('/'));
}
