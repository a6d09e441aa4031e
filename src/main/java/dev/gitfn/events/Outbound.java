package dev.gitfn.events;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where gitfn may send a request of its own (a webhook): http or https only, and never a
 * loopback, private, link-local or otherwise internal address (server-side request forgery:
 * a hook aimed at the metadata service or the store) unless {@code gitfn.webhooks.allow-loopback}
 * or {@code gitfn.webhooks.allow-hosts} says so.
 */
public final class Outbound {
    private Outbound() {
    }

    /** Why {@code url} may not be called, or null when it may. Resolves the host (blocking). */
    public static String refusal(URI url, boolean allowInternal, List<String> allowedHosts) {
        if (url == null || !url.isAbsolute() || url.getHost() == null || url.getRawUserInfo() != null) {
            return "a webhook URL is an absolute http or https URL without credentials";
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "a webhook URL is http or https, not " + scheme;
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (allowedHosts.stream().anyMatch(h -> h.equalsIgnoreCase(host))) {
            return null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            return "the webhook's host " + host + " does not resolve";
        }
        if (allowInternal) {
            return null;
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                return "the webhook's host " + host + " is an internal address (" + address.getHostAddress()
                        + "): allowed only with gitfn.webhooks.allow-loopback or gitfn.webhooks.allow-hosts";
            }
        }
        return null;
    }

    /** Loopback, unspecified, private (RFC 1918, IPv6 unique-local), link-local, carrier-grade NAT, multicast. */
    static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc // fc00::/7
                    || isMappedInternal(b);
        }
        return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64 // 100.64.0.0/10
                || (b[0] & 0xff) == 0; // 0.0.0.0/8
    }

    /** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) whose IPv4 address is internal. */
    private static boolean isMappedInternal(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        if ((b[10] & 0xff) != 0xff || (b[11] & 0xff) != 0xff) {
            return false;
        }
        try {
            return internal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
