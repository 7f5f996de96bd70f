import ipaddr from "ipaddr.js";

// Which addresses connvault may call, apart from the client that calls them: every function parses
// CONNVAULT_PROXY_ALLOWED_NETWORKS at start-up, only the proxy bundles the HTTP client.

/**
 * Whether connvault may connect to an address: a public unicast one, or one inside `allowedNetworks`.
 * An IPv4-mapped IPv6 address is judged as the IPv4 address it carries; anything unparseable is refused.
 */
export function addressFilter(allowedNetworks: readonly string[]): (address: string) => boolean {
  const networks = allowedNetworks.map(parseNetwork);
  return (address) => {
    if (!ipaddr.isValid(address)) return false;
    const ip = ipaddr.process(address);
    return (
      ip.range() === "unicast" ||
      networks.some(([network, bits]) => network.kind() === ip.kind() && ip.match(network, bits))
    );
  };
}

/** Parses CONNVAULT_PROXY_ALLOWED_NETWORKS-style text: comma-separated CIDRs, blanks ignored; throws a clear Error naming a bad entry. */
export function parseAllowedNetworks(text: string): string[] {
  const networks = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  networks.forEach(parseNetwork);
  return networks;
}

function parseNetwork(cidr: string): ReturnType<typeof ipaddr.parseCIDR> {
  if (!ipaddr.isValidCIDR(cidr)) {
    throw new Error(`Allowed network "${cidr}" is not a CIDR such as 127.0.0.0/8 or ::1/128`);
  }
  return ipaddr.parseCIDR(cidr);
}
