package dev.gitfn.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Authentication on, SSH and git:// on ports the system picks, small limits so that the
 * hostile-input tests reach them quickly, auth records never cached (a removed key stops
 * working at once).
 */
public class TransportsProfile implements QuarkusTestProfile {
    public static final String ADMIN_TOKEN = "transports-admin-token-0123456789abcdef";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(Map.entry("gitfn.auth.admin-token", ADMIN_TOKEN),
                Map.entry("gitfn.auth.cache-ttl", "0s"),
                Map.entry("gitfn.auth.max-failures", "1000000"), Map.entry("gitfn.auth.failure-backoff", "0s"),
                Map.entry("gitfn.ssh.port", "0"), Map.entry("gitfn.ssh.max-unauthenticated", "6"),
                Map.entry("gitfn.ssh.auth-timeout", "3s"),
                Map.entry("gitfn.daemon.port", "0"), Map.entry("gitfn.daemon.max-connections", "6"),
                Map.entry("gitfn.daemon.request-timeout", "2s"), Map.entry("gitfn.daemon.idle-timeout", "5s"));
    }
}
