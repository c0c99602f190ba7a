import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { RefusedRequestError } from '#shared/domain/errors';
import type { TargetPolicy } from '#shared/domain/webhooks/subscription';

/** Thrown when a webhook URL may not be used; the message says why (a refused request: HTTP 422). */
export class RefusedTargetError extends RefusedRequestError {
  override name = 'RefusedTargetError';
}

/** A checked target: connect to these addresses (never look the host up again) and send `Host: url.host`. */
export interface CheckedTarget {
  readonly url: URL;
  readonly addresses: readonly { address: string; family: 4 | 6 }[];
}

const REFUSED_RANGES: Readonly<Record<string, string>> = {
  unspecified: 'an unspecified address (0.0.0.0/8, ::)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (169.254.0.0/16, incl. the cloud metadata address, or fe80::/10)',
  private: 'a private address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  amt: 'a reserved address',
  as112: 'a reserved address',
  orchid2: 'a reserved address',
  deprecated: 'a deprecated address',
  '6to4': 'a 6to4 relay address',
  teredo: 'a Teredo address',
  rfc6145: 'a translated address',
  rfc6052: 'a translated address',
  discard: 'a discard-only address',
};

/** Why an address may not be a webhook target, or undefined when it may. */
export const refusedBecause = (address: string, policy: TargetPolicy): string | undefined => {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  if (range === 'loopback') return policy.allowLoopback ? undefined : 'a loopback address';
  if (range === 'unicast') {
    // IPv6: only global unicast (2000::/3); old IPv4-compatible forms such as ::7f00:1 are refused too.
    const global = parsed.kind() === 'ipv4' || parsed.match(ipaddr.parseCIDR('2000::/3'));
    return global ? undefined : 'not a global unicast IPv6 address';
  }
  return REFUSED_RANGES[range] ?? `a non-public address (${range})`;
};

/** Looks a host name up: every address it resolves to. */
export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/**
 * Checks a webhook URL: scheme, then every address its host resolves to (IPv4 written in decimal or
 * octal is normalized by the URL parser first). Returns the address to connect to.
 */
export const checkTarget = async (
  rawUrl: string,
  policy: TargetPolicy,
  resolve: Resolve = systemResolve,
): Promise<CheckedTarget> => {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new RefusedTargetError(`${rawUrl} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw new RefusedTargetError(
      `webhook URLs must use https${policy.allowHttp ? ' or http' : ''}, not ${url.protocol.slice(0, -1)}`,
    );
  }
  if (url.username || url.password) throw new RefusedTargetError('webhook URLs must not carry credentials');
  // The URL parser drops a scheme's default port, so `port` is set only for another one.
  if (url.port && policy.extraPorts !== 'any' && !policy.extraPorts.includes(Number(url.port))) {
    throw new RefusedTargetError(
      `webhook URLs use port ${url.protocol === 'https:' ? 443 : 80}, not ${url.port}` +
        `${policy.extraPorts.length > 0 ? ` (also allowed: ${policy.extraPorts.join(', ')})` : ''}; ` +
        'deploy with -c webhookPorts=<ports> to allow others',
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new RefusedTargetError(
        `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`,
      );
    }
  }
  if (addresses.length === 0) throw new RefusedTargetError(`${host} does not resolve`);
  for (const { address } of addresses) {
    const reason = refusedBecause(address, policy);
    if (reason)
      throw new RefusedTargetError(
        `${url.host} resolves to ${address}, ${reason}; webhooks go to public addresses only`,
      );
  }
  return {
    url,
    addresses: addresses.map(({ address, family }) => ({
      address,
      family: family === 6 ? (6 as const) : (4 as const),
    })),
  };
};
