package dev.gitfn.tunnel.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A {@code ws://} or {@code wss://} remote URL as git passes it to the helper, and what follows from it. */
record TunnelUrl(URI uri) {

    static TunnelUrl parse(String url) throws HelperException {
        try {
            URI uri = new URI(url);
            if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new HelperException("not a ws:// or wss:// URL: " + url);
            }
            return new TunnelUrl(uri);
        } catch (URISyntaxException e) {
            throw new HelperException("invalid URL " + url + ": " + e.getMessage());
        }
    }

    boolean secure() {
        return "wss".equals(uri.getScheme());
    }

    /** The URL without credentials, for messages. */
    String display() {
        return uri.getScheme() + "://" + authority() + path();
    }

    /** The tunnel endpoint for one service: {@code <url>/ws?service=...&version=...}. */
    URI endpoint(String service, int version) throws HelperException {
        try {
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), path() + "/ws",
                    "service=" + service + "&version=" + version, null);
        } catch (URISyntaxException e) {
            throw new HelperException("invalid URL " + display() + ": " + e.getMessage());
        }
    }

    /** User and password written into the URL, if any. */
    String[] userInfo() {
        String raw = uri.getRawUserInfo();
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        int colon = raw.indexOf(':');
        String user = URLDecoder.decode(colon < 0 ? raw : raw.substring(0, colon), StandardCharsets.UTF_8);
        String password = colon < 0 ? null : URLDecoder.decode(raw.substring(colon + 1), StandardCharsets.UTF_8);
        return new String[] {user, password};
    }

    /**
     * The description {@code git credential} gets. The protocol is {@code http} or
     * {@code https}, so the credentials git already keeps for this server's smart-HTTP
     * URLs serve the tunnel too.
     */
    Map<String, String> credentialDescription() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("protocol", secure() ? "https" : "http");
        d.put("host", authority());
        d.put("path", path().startsWith("/") ? path().substring(1) : path());
        String[] info = userInfo();
        if (info != null && info[0] != null && !info[0].isEmpty()) {
            d.put("username", info[0]);
        }
        return d;
    }

    private String authority() {
        return uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private String path() {
        String p = uri.getPath() == null ? "" : uri.getPath();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
