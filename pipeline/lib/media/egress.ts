// Which addresses a download may connect to. A sheet comes from outside, so its URLs must not reach
// the network the pipeline runs in (server-side request forgery): loopback, private, link-local,
// carrier-grade NAT, unique-local, multicast, unspecified and reserved addresses, and IPv4 addresses
// embedded in IPv6 (mapped, compatible, NAT64) are refused unless input.download.allow_hosts names
// the host or a range holding the address. A host is resolved once; the caller connects to the
// address returned here, so a DNS answer that changes after the check cannot slip through.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

interface Cidr { bytes: number[]; bits: number }

/** What `input.download.allow_hosts` lets through: host names (exact, any case) and address ranges. */
export interface AllowList { names: Set<string>; ranges: Cidr[] }

/** A checked address to connect to. */
export interface Pinned { address: string; family: 4 | 6 }

/** An address as bytes (4 or 16); IPv6 with "::", an embedded dotted quad, brackets or a zone. */
function bytesOf(ip: string): number[] {
  const addr = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(addr) === 4) return addr.split('.').map(Number);
  const words = (s: string) => (s ? s.split(':') : []).flatMap((w) => {
    if (!w.includes('.')) return [parseInt(w, 16)];
    const [a, b, c, d] = w.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
  const [head, tail] = addr.split('::');
  const h = words(head), t = tail === undefined ? [] : words(tail);
  return [...h, ...Array(8 - h.length - t.length).fill(0), ...t].flatMap((w) => [w >> 8, w & 255]);
}

function cidr(text: string): Cidr | null {
  const [ip, bitsText, extra] = text.trim().split('/');
  const family = isIP(ip.replace(/^\[|\]$/g, ''));
  const max = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!family || extra !== undefined || !/^\d+$/.test(bitsText ?? '0') || bits > max) return null;
  return { bytes: bytesOf(ip), bits };
}

function inRange(bytes: number[], r: Cidr): boolean {
  if (bytes.length !== r.bytes.length) return false;
  for (let i = 0, left = r.bits; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 255 : (0xff00 >> left) & 255;
    if ((bytes[i] & mask) !== (r.bytes[i] & mask)) return false;
  }
  return true;
}

const RANGES = (list: [string, string][]) => list.map(([range, kind]) => ({ range: cidr(range)!, kind }));
const REFUSED_V4 = RANGES([
  ['0.0.0.0/8', 'unspecified'], ['127.0.0.0/8', 'loopback'], ['10.0.0.0/8', 'private'], ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'], ['169.254.0.0/16', 'link-local'], ['100.64.0.0/10', 'carrier-grade NAT'],
  ['224.0.0.0/4', 'multicast'], ['240.0.0.0/4', 'reserved'],
]);
const REFUSED_V6 = RANGES([
  ['::/128', 'unspecified'], ['::1/128', 'loopback'], ['fe80::/10', 'link-local'], ['fec0::/10', 'site-local'],
  ['fc00::/7', 'unique-local'], ['ff00::/8', 'multicast'],
]);
/** IPv6 forms that carry an IPv4 address in their last 32 bits. */
const EMBEDS_V4 = RANGES([['::ffff:0:0/96', 'IPv4-mapped'], ['::/96', 'IPv4-compatible'], ['64:ff9b::/96', 'NAT64']]);

/** Why an address is not public ("loopback", "IPv4-mapped link-local", …), or null when it is. */
export function privateKind(address: string): string | null {
  const b = bytesOf(address);
  const hit = (list: typeof REFUSED_V4) => list.find((r) => inRange(b, r.range))?.kind ?? null;
  if (b.length === 4) return hit(REFUSED_V4);
  const own = hit(REFUSED_V6);
  if (own) return own;
  const carrier = EMBEDS_V4.find((r) => inRange(b, r.range));
  const inner = carrier ? privateKind(b.slice(12).join('.')) : null;
  return inner && `${carrier!.kind} ${inner}`;
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i;

/** Parses input.download.allow_hosts; throws naming the entry that is neither a host name nor a CIDR. */
export function allowList(entries: readonly string[]): AllowList {
  const list: AllowList = { names: new Set(), ranges: [] };
  for (const entry of entries.map((e) => String(e).trim())) {
    const range = cidr(entry);
    if (range) list.ranges.push(range);
    else if (HOST_NAME.test(entry)) list.names.add(entry.toLowerCase().replace(/\.$/, ''));
    else throw new Error(`input.download.allow_hosts: "${entry}" is neither a host name nor an address range (CIDR)`);
  }
  return list;
}

/**
 * Resolves the URL's host once and checks every address it has. Returns the address to connect to,
 * or why the host is refused (`refused: private address 169.254.169.254 (link-local; …)`).
 * DNS failures are thrown as they are (network errors).
 */
export async function pinHost(url: URL, allow: AllowList): Promise<Pinned | { refused: string }> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const found = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
  if (!allow.names.has(host.replace(/\.$/, ''))) {
    for (const { address } of found) {
      const kind = privateKind(address);
      if (kind && !allow.ranges.some((r) => inRange(bytesOf(address), r))) {
        return { refused: `refused: private address ${address} (${kind}${address === host ? '' : ` address of ${host}`}; not in input.download.allow_hosts)` };
      }
    }
  }
  return { address: found[0].address, family: found[0].family as 4 | 6 };
}
