package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * {@code wss://} through the packaged server with TLS on: the helper trusts
 * what git would trust ({@code GIT_SSL_CAINFO}), refuses an unknown
 * certificate, and accepts anything only when told to ({@code GIT_SSL_NO_VERIFY}).
 */
class SecureTunnelIT {

    @Test
    void cloneAndPushOverWss() throws Exception {
        Path work = TestDirs.fresh("wss");
        Path keystore = work.resolve("server.p12");
        Path ca = work.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(keytool, "-genkeypair", "-alias", "gitfn", "-keyalg", "RSA", "-keysize", "2048", "-validity",
                "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit"));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "gitfn", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", ca.toString()));
        int sslPort;
        try (ServerSocket s = new ServerSocket(0)) {
            sslPort = s.getLocalPort();
        }
        try (ServerProcess server = new ServerProcess(work.resolve("server.log"),
                ServerProcess.folderStore(work, Map.of(
                "QUARKUS_HTTP_SSL_PORT", Integer.toString(sslPort),
                "QUARKUS_HTTP_SSL_CERTIFICATE_KEY_STORE_FILE", keystore.toString(),
                "QUARKUS_HTTP_SSL_CERTIFICATE_KEY_STORE_PASSWORD", "changeit")))) {
            assertEquals(201, Http.createRepo(URI.create(server.url()), "secure/app"));
            String wss = "wss://127.0.0.1:" + sslPort + "/secure/app.git";
            Git git = new Git(work.resolve("home"));
            Path src = git.newRepo(work.resolve("src"), 2);
            Map<String, String> trusted = Map.of("GIT_SSL_CAINFO", ca.toString());

            git.run(src, trusted, "push", wss, "main").ok();
            git.run(work, trusted, "clone", "-q", wss, "clone").ok();
            assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("clone"), "HEAD"));

            Git.Result untrusted = git.run(work, Map.of(), "ls-remote", wss);
            assertEquals(128, untrusted.exitCode());
            assertTrue(untrusted.err().contains("unable to access '" + wss + "'"), untrusted.err());
            git.run(work, Map.of("GIT_SSL_NO_VERIFY", "1"), "ls-remote", wss).ok();
        }
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
