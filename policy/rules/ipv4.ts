/**
 * IPv4 ranges as inclusive [first, last] integers, for the storage firewall
 * checks of the config (ranges Azure refuses) and of the policy pack (how
 * much of the internet a rule set admits). Plain code: the policy pack runs
 * it without the rest of the project.
 */
export interface Ipv4Range {
  first: number;
  last: number;
}

/** "16.17.18.0/24" or "16.17.18.19" → its range; undefined when it is not IPv4 dotted-quad notation. */
export function parseIpv4(text: string): Ipv4Range | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const first = address - (address % size);
  return { first, last: first + size - 1 };
}

/**
 * IPv4 space that is not the public internet (RFC 6890, the IANA
 * special-purpose registry). Storage firewall IP rules are "allowed only for
 * public internet IP addresses" and RFC 1918 ranges "aren't allowed"
 * (learn.microsoft.com/azure/storage/common/storage-network-security-limitations).
 */
export const NON_PUBLIC_RANGES: readonly { cidr: string; what: string }[] = [
  { cidr: "0.0.0.0/8", what: '"this network", RFC 791' },
  { cidr: "10.0.0.0/8", what: "private, RFC 1918" },
  { cidr: "100.64.0.0/10", what: "carrier-grade NAT, RFC 6598" },
  { cidr: "127.0.0.0/8", what: "loopback, RFC 1122" },
  { cidr: "169.254.0.0/16", what: "link-local, RFC 3927" },
  { cidr: "172.16.0.0/12", what: "private, RFC 1918" },
  { cidr: "192.168.0.0/16", what: "private, RFC 1918" },
  { cidr: "224.0.0.0/4", what: "multicast, RFC 5771" },
  { cidr: "240.0.0.0/4", what: "reserved, RFC 1112" },
];

const NON_PUBLIC = NON_PUBLIC_RANGES.map((r) => ({ ...r, range: parseIpv4(r.cidr) as Ipv4Range }));

/** The non-public range that wholly contains `range`, if any (a wider rule that merely includes one is public). */
export function nonPublicContaining(range: Ipv4Range): { cidr: string; what: string } | undefined {
  return NON_PUBLIC.find((r) => r.range.first <= range.first && range.last <= r.range.last);
}

/** Sorted, non-overlapping union of the ranges. */
export function union(ranges: readonly Ipv4Range[]): Ipv4Range[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  const merged: Ipv4Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.first <= last.last + 1) last.last = Math.max(last.last, r.last);
    else merged.push({ ...r });
  }
  return merged;
}

/** How many public internet addresses the ranges admit together (overlaps and non-public space not counted). */
export function publicAddressCount(ranges: readonly Ipv4Range[]): number {
  const merged = union(ranges);
  const size = (rs: readonly Ipv4Range[]) => rs.reduce((n, r) => n + (r.last - r.first + 1), 0);
  const nonPublicInside = merged.flatMap((r) =>
    union(NON_PUBLIC.map((p) => p.range))
      .map((p) => ({ first: Math.max(p.first, r.first), last: Math.min(p.last, r.last) }))
      .filter((p) => p.first <= p.last),
  );
  return size(merged) - size(nonPublicInside);
}

/** Every public IPv4 address there is. */
export const PUBLIC_ADDRESS_TOTAL = publicAddressCount([{ first: 0, last: 2 ** 32 - 1 }]);
