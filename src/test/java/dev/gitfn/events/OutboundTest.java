package dev.gitfn.events;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Where a webhook may point: never an internal address unless allowed (server-side request forgery). */
class OutboundTest {
    @Test
    void internalAddressesAreRefusedUnlessAllowed() {
        for (String url : List.of("http://127.0.0.1/", "http://localhost:8080/x", "http://10.1.2.3/",
                "http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
                "http://100.64.0.1/", "http://0.0.0.0/", "http://[::1]/", "http://[fc00::1]/", "http://[fe80::1]/",
                "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/")) {
            String refused = Outbound.refusal(URI.create(url), false, List.of());
            assertNotNull(refused, url);
            assertTrue(refused.contains("internal address"), url + ": " + refused);
            assertNull(Outbound.refusal(URI.create(url), true, List.of()), "allowed: " + url);
        }
        assertNull(Outbound.refusal(URI.create("http://localhost:9/x"), false, List.of("LOCALHOST")), "allow-hosts");
        for (String outside : List.of("http://192.0.2.1/hook", "https://93.184.216.34/", "http://[2001:db8::1]/")) {
            assertNull(Outbound.refusal(URI.create(outside), false, List.of()), outside);
        }
        for (String bad : List.of("file:///etc/passwd", "ftp://192.0.2.1/", "http://u:p@192.0.2.1/", "/relative",
                "http://no-such-host.invalid/")) {
            assertNotNull(Outbound.refusal(URI.create(bad), true, List.of()), bad);
        }
        assertNotNull(Outbound.refusal(null, true, List.of()));
    }
}
