import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';

/** Address ranges a target may not point at: this machine, private networks, link-local (cloud metadata), and the like. */
const REFUSED_RANGES = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'private', 'uniqueLocal', 'carrierGradeNat', 'reserved', 'benchmarking', 'amt', 'as112', 'deprecated', 'orchid2', 'droneRemoteIdProtocolEntityTags', '6to4', 'teredo', 'rfc6145', 'rfc6052']);

/** Why delivering to this IP address is refused, or undefined when it may be used. */
export function refusedAddressReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  return REFUSED_RANGES.has(range) ? `${address} is a ${range} address` : undefined;
}

export class RefusedTarget extends Error {
  override readonly name = 'RefusedTarget';
}

const lookupAll = promisify(dnsLookup);

/**
 * Checks a target URL as an attempt would use it: http or https, and every address its host
 * resolves to outside the refused ranges (unless private targets are allowed). Throws a
 * RefusedTarget naming the reason.
 */
export async function checkTargetUrl(text: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedTarget(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedTarget(`only http and https URLs can be delivered to, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new RefusedTarget('a URL must not carry credentials; give them as headers');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = ipaddr.isValid(host) ? [{ address: host, family: host.includes(':') ? 6 : 4 }] : await lookupAll(host, { all: true });
  } catch {
    throw new RefusedTarget(`the host ${host} does not resolve`);
  }
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address);
    if (reason) throw new RefusedTarget(`${host} resolves to ${reason}, which targets may not use (ACTION_ALLOW_PRIVATE_TARGETS=true allows it)`);
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for outgoing connections that refuses the same ranges at the moment of connecting,
 * so a name that resolved to a public address when the target was saved cannot be switched to
 * an internal one later (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : list.map((entry) => refusedAddressReason(entry.address)).find(Boolean);
      if (refused) return callback(Object.assign(new RefusedTarget(`${hostname} resolves to ${refused}`), { code: 'EREFUSEDTARGET' }), []);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}
