package dev.gitfn.admission;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import dev.gitfn.config.GitfnConfig;

/**
 * What stops a web page from using the server through the visitor's browser.
 * git and other clients send no {@code Origin}; browsers always do on
 * cross-site requests and on every WebSocket handshake, so a state-changing
 * request or a tunnel whose {@code Origin} is not the server's own is refused.
 * While authentication is off, {@code Host} must also be one of the server's
 * names: a DNS-rebinding page reaches the loopback port under its own name.
 */
final class BrowserChecks {
    private final Set<String> allowedHosts;
    private final Set<String> allowedOrigins;

    BrowserChecks(GitfnConfig.Http config) {
        this.allowedHosts = config.allowedHosts().stream().map(h -> h.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.allowedOrigins = config.allowedOrigins().orElse(List.of()).stream()
                .map(o -> o.trim().toLowerCase(Locale.ROOT).replaceAll("/+$", ""))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Throws a refusal for a request a browser was made to send against the user's will. */
    void check(Client client, boolean authenticationOn, boolean stateChanging) {
        if (!authenticationOn && client.host() != null && !allowedHosts.contains(hostName(client.host()))) {
            throw new Refusal(Refusal.Reason.FORBIDDEN, "Host '" + Printable.of(client.host())
                    + "' is not a name of this server (gitfn.http.allowed-hosts)");
        }
        if (stateChanging && client.origin() != null && !sameOrigin(client.origin(), client.host())
                && !allowedOrigins.contains(client.origin().trim().toLowerCase(Locale.ROOT))) {
            throw new Refusal(Refusal.Reason.FORBIDDEN, "cross-site request refused: Origin '"
                    + Printable.of(client.origin()) + "' is not this server (gitfn.http.allowed-origins)");
        }
    }

    /** {@code Origin: http://127.0.0.1:8080} against {@code Host: 127.0.0.1:8080}. */
    private static boolean sameOrigin(String origin, String host) {
        if (host == null) {
            return false;
        }
        try {
            URI uri = URI.create(origin.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
                return false; // "null", file:, ... never match
            }
            String authority = uri.getRawAuthority().toLowerCase(Locale.ROOT);
            String h = host.trim().toLowerCase(Locale.ROOT);
            int defaultPort = scheme.equals("https") ? 443 : 80;
            return authority.equals(h) || authority.equals(h + ":" + defaultPort)
                    || h.equals(authority + ":" + defaultPort);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code example.com:8080} → {@code example.com}; {@code [::1]:8080} → {@code [::1]}. */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 || h.indexOf(':', colon + 1) >= 0 ? h : h.substring(0, colon);
    }
}
