/** Parsing of client addresses shared by the rate limits' keys and the alerts' network ranges. */

const HEX_GROUP = /^[0-9a-f]{1,4}$/;

/**
 * The eight groups of a lower-case IPv6 address (`::` expanded, leading zeros dropped),
 * or undefined when it is not one (a dotted IPv4 tail included: callers handle mapped
 * addresses before).
 *
 * @example
 * ```ts
 * ipv6Groups("2001:db8::1"); // ["2001", "db8", "0", "0", "0", "0", "0", "1"]
 * ```
 */
export function ipv6Groups(address: string): string[] | undefined {
  const parts = address.split("::");
  if (parts.length > 2) return undefined;
  const head = parts[0] ? parts[0].split(":") : [];
  const tail = parts.length === 2 ? (parts[1] ? parts[1].split(":") : []) : undefined;
  let groups = head;
  if (tail !== undefined) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...Array<string>(fill).fill("0"), ...tail];
  }
  if (groups.length !== 8 || !groups.every((g) => HEX_GROUP.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(16));
}
