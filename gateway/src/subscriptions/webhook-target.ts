import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { GatewayError } from '../errors.js';

/**
 * Where a webhook may go. The subscriber (an insurer, say) controls the URL
 * and, through its DNS, what the name resolves to at any moment; the gateway
 * sits inside the hospital's network, next to the chain's RPC port, the EMR
 * service and the cloud metadata service. So a URL must be https, carry no
 * credentials, and resolve only to public unicast addresses; the delivery
 * then connects to exactly the address that was checked (webhook-post.ts), so
 * a second resolution cannot point it elsewhere (DNS rebinding).
 *
 * Address classes come from ipaddr.js rather than ranges written here: it
 * parses every spelling (IPv4-mapped and -embedding IPv6 included) and its
 * named ranges follow the IANA special-purpose registries; anything it does
 * not call "unicast" (loopback, private, link-local with 169.254.169.254,
 * unique-local with fd00:ec2::254, CGNAT, 6to4, Teredo, NAT64, multicast,
 * reserved...) is refused. Hex, decimal and octal IPv4 spellings
 * (0x7f000001, 2130706433, 0177.0.0.1) are normalised by the WHATWG URL
 * parser before any check, so they are checked as the address they mean.
 */
export interface WebhookPolicy {
  /** Operator allow-list: host names, addresses or CIDR ranges that may be special and may use http (development). */
  allow: readonly string[];
}

export interface CheckedTarget {
  url: URL;
  /** The addresses the host resolved to, each allowed; a delivery connects to the first. */
  addresses: { address: string; family: 4 | 6 }[];
}

/** Parses WEBHOOK_ALLOW: comma-separated host names, addresses and CIDR ranges. */
export function parseWebhookAllow(setting: string | undefined): string[] {
  return (setting ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
}

/** Problems of an allow-list entry, for the configuration check. */
export function allowEntryProblem(entry: string): string | null {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return null;
    } catch {
      return `${entry} is not a CIDR range`;
    }
  }
  return /^[a-z0-9.:-]+$/.test(entry) ? null : `${entry} is not a host name, address or CIDR range`;
}

/** The URL's form: scheme, credentials, host. Synchronous; the addresses are checked by resolveTarget. */
export function checkWebhookUrl(raw: string, policy: WebhookPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GatewayError('VALIDATION_FAILED', `body/url: ${JSON.stringify(raw.slice(0, 200))} is not a URL`);
  }
  if (url.username || url.password) throw refused('credentials in the URL are refused; authenticate deliveries by their SM2 signature / 不接受带凭据的地址');
  const host = hostOf(url);
  if (url.protocol === 'http:') {
    if (!allowedHost(host, policy)) throw refused(`http is refused for ${host}: use https (http only for hosts on the operator's WEBHOOK_ALLOW list) / 须使用 https`);
  } else if (url.protocol !== 'https:') {
    throw new GatewayError('VALIDATION_FAILED', `body/url: the scheme ${url.protocol} is refused; use https / 须使用 https`);
  }
  url.hash = '';
  return url;
}

/** Resolves the URL's host once and checks every address; throws WEBHOOK_URL_REFUSED. */
export async function resolveTarget(url: URL, policy: WebhookPolicy, resolve = lookupAll): Promise<CheckedTarget> {
  const host = hostOf(url);
  const literal = ipaddr.isValid(host) ? [{ address: host, family: (host.includes(':') ? 6 : 4) as 4 | 6 }] : null;
  let addresses: { address: string; family: 4 | 6 }[];
  try {
    addresses = literal ?? (await resolve(host));
  } catch (e) {
    throw refused(`${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) / 域名无法解析`);
  }
  if (addresses.length === 0) throw refused(`${host} does not resolve / 域名无法解析`);
  const hostAllowed = allowedHost(host, policy);
  for (const a of addresses) {
    const kind = addressClass(a.address);
    if (kind !== 'unicast' && !hostAllowed && !allowedAddress(a.address, policy)) {
      throw refused(`${host} resolves to ${a.address} (${kind}), which webhooks may not reach unless the operator allows it (WEBHOOK_ALLOW) / 推送地址指向内部或保留地址`);
    }
  }
  return { url, addresses };
}

/** ipaddr.js's range name of an address, IPv4-mapped IPv6 taken as the IPv4 address it carries. */
export function addressClass(address: string): string {
  return ipaddr.process(address).range();
}

async function lookupAll(host: string): Promise<{ address: string; family: 4 | 6 }[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
}

/** The host without IPv6 brackets, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function allowedHost(host: string, policy: WebhookPolicy): boolean {
  return policy.allow.includes(host) || (ipaddr.isValid(host) && allowedAddress(host, policy));
}

function allowedAddress(address: string, policy: WebhookPolicy): boolean {
  const a = ipaddr.process(address);
  return policy.allow.some((entry) => {
    try {
      if (entry.includes('/')) {
        const [range, bits] = ipaddr.parseCIDR(entry);
        return range.kind() === a.kind() && a.match([range, bits] as [typeof a, number]);
      }
      return ipaddr.isValid(entry) && ipaddr.process(entry).toString() === a.toString();
    } catch {
      return false;
    }
  });
}

const refused = (message: string) => new GatewayError('WEBHOOK_URL_REFUSED', message);
