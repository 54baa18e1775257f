/**
 * Is an IP address on the public internet? Used by the SSRF guard for literal IPs in URLs and for
 * every address DNS returns. Classification comes from ipaddr.js (IANA special-purpose registries);
 * only its `unicast` class is public. IPv6 forms that embed an IPv4 address (IPv4-mapped,
 * IPv4-translated, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the embedded address;
 * Teredo, local-use NAT64 and the deprecated IPv4-compatible ::/96 are refused outright.
 */
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** Parses any notation ipaddr.js understands (dotted, decimal, octal, hex IPv4; IPv6 with zone). */
export function parseIp(text: string): IPv4 | IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  try {
    return ipaddr.parse(bare);
  } catch {
    return undefined;
  }
}

const v4FromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);

/** The IPv4 address embedded in an IPv6 one, `null` when the range must be refused, undefined when none. */
function embeddedIPv4(addr: IPv6): IPv4 | null | undefined {
  const p = addr.parts;
  const [p0 = 0, p1 = 0, p2 = 0, , , , p6 = 0, p7 = 0] = p;
  switch (addr.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return v4FromWords(p6, p7);
    case 'rfc6052': // 64:ff9b::/96 well-known NAT64 prefix; 64:ff9b:1::/48 is local-use → refuse
      return p0 === 0x64 && p1 === 0xff9b && p.slice(2, 6).every((w) => w === 0) ? v4FromWords(p6, p7) : null;
    case '6to4': // 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD
      return v4FromWords(p1, p2);
    case 'teredo':
      return null;
    default:
      // Deprecated IPv4-compatible addresses (::a.b.c.d) — ipaddr.js calls them unicast.
      return p.slice(0, 6).every((w) => w === 0) ? null : undefined;
  }
}

export function isPublicIp(addr: IPv4 | IPv6): boolean {
  if (addr instanceof ipaddr.IPv4) return addr.range() === 'unicast';
  const embedded = embeddedIPv4(addr);
  if (embedded === null) return false;
  if (embedded !== undefined) return embedded.range() === 'unicast';
  return addr.range() === 'unicast';
}

/** The address as net.connect wants it: IPv4-mapped IPv6 becomes plain IPv4. */
export function canonicalIp(addr: IPv4 | IPv6): string {
  return addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress() ? addr.toIPv4Address().toString() : addr.toString();
}

/** True only for a syntactically valid, globally routable unicast address. */
export function isPublicAddress(text: string): boolean {
  const addr = parseIp(text);
  return addr !== undefined && isPublicIp(addr);
}
