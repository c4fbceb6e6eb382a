import { invalidRequest } from './errors.js';

/**
 * Where webhooks may post. Allot posts from inside the operator's network, so a tenant admin who
 * could name any address could make it call internal services or the cloud metadata endpoint
 * (server-side request forgery). Webhook URLs must therefore reach a public address, checked when a
 * webhook is saved (literal addresses and the host's DNS answer) and again before every delivery,
 * whose connection then goes to the address that was checked (a host cannot resolve to a public
 * address for the check and a private one for the request). An operator setting lifts the address
 * rule for receivers on the operator's own network.
 */

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookUrlPolicy {
  /** ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: loopback, private and link-local receivers are allowed. */
  allowPrivateNetworks: boolean;
}

/** Why an address is not public. */
export type NonPublicAddress = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'shared (carrier-grade NAT)' | 'multicast' | 'reserved';

export interface CheckedWebhookUrl {
  /** The URL as WHATWG URL serialises it (numeric IPv4 forms normalised, fragment removed). */
  url: string;
  /** The host to resolve, without IPv6 brackets. */
  hostname: string;
  /** The address itself when the host is a literal IPv4 or IPv6 address. */
  literalAddress: string | undefined;
}

const refuse = (reason: string) =>
  invalidRequest(`The webhook URL is not allowed: ${reason}`, [{ code: 'InvalidWebhookUrl', target: 'url', message: reason }]);

const PRIVATE_HINT = ' (webhooks go to public addresses only, unless the operator sets ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true).';

/** A CIDR block of IPv4 addresses that are not public, and what they are. */
type Ipv4Range = readonly [prefix: string, bits: number, kind: NonPublicAddress];

const IPV4_RANGES: readonly Ipv4Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** The address as a 32-bit number, or undefined when it is not a dotted-quad IPv4 address. */
function parseIpv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
    return undefined;
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** The address as eight 16-bit groups (a trailing dotted quad allowed), or undefined. */
function parseIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  if (text.includes('.')) {
    // ::ffff:192.0.2.1 → ::ffff:c000:201
    const lastColon = text.lastIndexOf(':');
    const ipv4 = parseIpv4(text.slice(lastColon + 1));
    if (ipv4 === undefined) {
      return undefined;
    }
    text = `${text.slice(0, lastColon + 1)}${Math.floor(ipv4 / 65536).toString(16)}:${(ipv4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const groups = (half: string): number[] | undefined => {
    if (half === '') {
      return [];
    }
    const values = half.split(':').map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? Number.parseInt(group, 16) : Number.NaN));
    return values.some(Number.isNaN) ? undefined : values;
  };
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) {
    return undefined;
  }
  const width = head.length + rest.length;
  if (halves.length === 1 ? width !== 8 : width > 7) {
    return undefined;
  }
  return [...head, ...new Array<number>(8 - width).fill(0), ...rest];
}

function classifyIpv4(value: number): NonPublicAddress | undefined {
  for (const [prefix, bits, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = parseIpv4(prefix) ?? 0;
    if (value >= start && value < start + size) {
      return kind;
    }
  }
  return undefined;
}

function classifyIpv6(groups: readonly number[]): NonPublicAddress | undefined {
  const [first = 0] = groups;
  const upperZero = groups.slice(0, 5).every((group) => group === 0);
  const embeddedIpv4 = (groups[6] ?? 0) * 65536 + (groups[7] ?? 0);
  if (groups.every((group) => group === 0)) {
    return 'unspecified';
  }
  if (upperZero && groups[5] === 0 && groups[6] === 0 && groups[7] === 1) {
    return 'loopback';
  }
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 address;
  // so does the NAT64 well-known prefix 64:ff9b::/96.
  if (upperZero && (groups[5] === 0xffff || groups[5] === 0)) {
    return classifyIpv4(embeddedIpv4);
  }
  if (first === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return classifyIpv4(embeddedIpv4);
  }
  if ((first & 0xfe00) === 0xfc00) {
    return 'private';
  }
  if ((first & 0xffc0) === 0xfe80) {
    return 'link-local';
  }
  // fec0::/10, deprecated site-local: private in effect.
  if ((first & 0xffc0) === 0xfec0) {
    return 'private';
  }
  if ((first & 0xff00) === 0xff00) {
    return 'multicast';
  }
  return undefined;
}

/** True when the text is a literal IPv4 or IPv6 address (no brackets, no zone). */
export const isIpAddress = (text: string): boolean => parseIpv4(text) !== undefined || (text.includes(':') && parseIpv6(text) !== undefined);

/**
 * What kind of non-public address this is, or undefined for a public address. A text that is not
 * an IP address at all is 'reserved' (never connect to what was not understood).
 */
export function classifyAddress(address: string): NonPublicAddress | undefined {
  const ipv4 = parseIpv4(address);
  if (ipv4 !== undefined) {
    return classifyIpv4(ipv4);
  }
  const ipv6 = address.includes(':') ? parseIpv6(address) : undefined;
  return ipv6 === undefined ? 'reserved' : classifyIpv6(ipv6);
}

/**
 * Checks a webhook URL's shape and, for a literal address or a name that is local by definition
 * (localhost), the address rule. The host's DNS answer is checked separately
 * (`checkResolvedAddresses`), since resolving is I/O.
 * @throws invalidRequest naming what is wrong.
 */
export function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): CheckedWebhookUrl {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    throw refuse(`it is longer than ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(`'${raw}' is not an absolute URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refuse(`the scheme must be https or http, not ${url.protocol.replace(/:$/, '')}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw refuse('it carries a user name or password; put a secret in the path or verify the Allot-Signature header instead.');
  }
  url.hash = '';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname === '') {
    throw refuse('it has no host.');
  }
  const literalAddress = isIpAddress(hostname) ? hostname : undefined;
  if (!policy.allowPrivateNetworks) {
    if (literalAddress !== undefined) {
      checkResolvedAddresses(hostname, [literalAddress], policy);
    } else if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
      throw refuse(`${hostname} is a loopback address${PRIVATE_HINT}`);
    }
  }
  return { url: url.toString(), hostname, literalAddress };
}

/**
 * Checks every address a host resolved to: one private address is enough to refuse, since the
 * connection could go to any of them.
 * @throws invalidRequest naming the address and its kind.
 */
export function checkResolvedAddresses(hostname: string, addresses: readonly string[], policy: WebhookUrlPolicy): void {
  if (addresses.length === 0) {
    throw refuse(`${hostname} did not resolve to any address.`);
  }
  if (policy.allowPrivateNetworks) {
    return;
  }
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind !== undefined) {
      const subject = address === hostname ? address : `${hostname} resolves to ${address}, which`;
      throw refuse(`${subject} is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address${PRIVATE_HINT}`);
    }
  }
}
