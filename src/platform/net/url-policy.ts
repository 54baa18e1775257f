/**
 * The SSRF policy for outgoing requests to URLs someone else gave us (shopper image URLs,
 * tenant webhook endpoints):
 *   - only http:/https: (http can be switched off), no credentials in the URL;
 *   - literal IPs in any notation (decimal, octal, hex, IPv4-mapped IPv6 …) must be public —
 *     the WHATWG URL parser normalises them and ipaddr.js classifies them, before any traffic;
 *   - host names are resolved by `createSafeLookup`, which net/tls call at connect time, so the
 *     address we connect to is the address we checked (no DNS-rebinding window).
 * `allowPrivateHosts` is an explicit allow-list of `host:port` entries (tests, or an operator's
 * own internal service) that skip the private-address check; every other hop is still checked.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { AppError } from '../errors.js';
import { canonicalIp, isPublicIp, parseIp } from './address.js';

export type ResolvedAddress = { address: string; family: number };
/** Resolves a host name to every address; the system resolver by default, injectable for tests. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export type UrlPolicy = {
  /**
   * Allow plain http: `true` (default), `false` (https only), or `'allow-listed'`: https only,
   * except for the `allowPrivateHosts` entries (checked on every hop, redirects included).
   */
  allowHttp?: boolean | 'allow-listed';
  /** `host:port` entries (as in `new URL(u).host` with the port always written) exempt from the private-address check. */
  allowPrivateHosts?: readonly string[];
};

export type CheckedUrl = {
  url: URL;
  /** Host name without IPv6 brackets, as passed to net/tls. */
  hostname: string;
  port: number;
  /** The host is an IP literal (no DNS involved). */
  isIpLiteral: boolean;
  /** The host is on the explicit allow-list: private addresses are accepted for it. */
  privateAllowed: boolean;
};

const notAllowed = (detail: string) => new AppError('URL_NOT_ALLOWED', detail);

/** The URL's `host:port` (port always written, host as the URL parser normalised it) is on the allow-list. */
export function isAllowListed(url: URL, allowPrivateHosts: readonly string[] | undefined): boolean {
  if (!allowPrivateHosts || allowPrivateHosts.length === 0) return false;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return allowPrivateHosts.includes(`${url.hostname}:${port}`);
}

/** Synchronous part of the policy: syntax, scheme, credentials, literal IPs. No network. */
export function checkUrl(input: string | URL, policy: UrlPolicy = {}): CheckedUrl {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw notAllowed('The URL is not valid');
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const privateAllowed = isAllowListed(url, policy.allowPrivateHosts);
  const allowHttp = policy.allowHttp === 'allow-listed' ? privateAllowed : (policy.allowHttp ?? true);
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw notAllowed(allowHttp ? 'Only http and https URLs are allowed' : 'Only https URLs are allowed');
  }
  if (url.username !== '' || url.password !== '') throw notAllowed('URLs with credentials are not allowed');
  if (url.hostname === '') throw notAllowed('The URL has no host');

  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const ip = parseIp(hostname);
  if (ip !== undefined && !privateAllowed && !isPublicIp(ip)) {
    throw notAllowed('The URL points to a private or reserved address');
  }
  return { url, hostname, port, isIpLiteral: ip !== undefined, privateAllowed };
}

/** Resolves `hostname` and returns its addresses (normalised) if every one of them is public. */
export async function resolvePublic(hostname: string, resolver: Resolver, allowPrivate = false): Promise<ResolvedAddress[]> {
  let answers: readonly ResolvedAddress[];
  try {
    answers = await resolver(hostname);
  } catch (e) {
    throw new AppError('FETCH_FAILED', 'The host name could not be resolved', { cause: e });
  }
  const out: ResolvedAddress[] = [];
  for (const a of answers) {
    const ip = parseIp(a.address);
    // One bad answer taints the name: a rebinding resolver mixes public and private answers.
    if (ip === undefined || (!allowPrivate && !isPublicIp(ip))) {
      throw notAllowed('The host name resolves to a private or reserved address');
    }
    const address = canonicalIp(ip);
    out.push({ address, family: address.includes(':') ? 6 : 4 });
  }
  if (out.length === 0) throw new AppError('FETCH_FAILED', 'The host name could not be resolved');
  return out;
}

/**
 * A `lookup` for http.request/net.connect that resolves with `resolver`, refuses the connection
 * unless every address is public (or `allowPrivate`), and hands net only validated addresses.
 */
export function createSafeLookup(resolver: Resolver = systemResolver, allowPrivate = false): LookupFunction {
  return (hostname, options, callback) => {
    resolvePublic(hostname, resolver, allowPrivate).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const first = wanted[0];
        if (first === undefined) {
          callback(new AppError('FETCH_FAILED', 'The host name has no address of the requested family'), '', 0);
        } else if (options.all) {
          callback(null, wanted);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

/**
 * For registering webhook endpoints and the like: the URL must pass the policy now, including
 * DNS. (Delivery still goes through safeFetch, which checks again at connect time.)
 */
export async function assertPublicUrl(input: string | URL, opts: UrlPolicy & { resolver?: Resolver } = {}): Promise<URL> {
  const checked = checkUrl(input, opts);
  if (!checked.isIpLiteral) {
    try {
      await resolvePublic(checked.hostname, opts.resolver ?? systemResolver, checked.privateAllowed);
    } catch (e) {
      if (e instanceof AppError && e.code === 'FETCH_FAILED') throw notAllowed('The host name could not be resolved');
      throw e;
    }
  }
  return checked.url;
}
