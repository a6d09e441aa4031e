package dev.gitfn.tunnel.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One WebSocket to gitfn carrying one service: git's stdin goes out as binary
 * frames, the server's frames come back onto stdout, and the server's close
 * code says how it ended. Both directions block, so neither end buffers more
 * than a frame.
 */
final class Tunnel {
    private static final int CHUNK = 32 * 1024; // well under the server's 64 KiB frame limit

    private final TunnelUrl url;
    private final WebSocketClient socket;

    private Tunnel(TunnelUrl url, WebSocketClient socket) {
        this.url = url;
        this.socket = socket;
    }

    /** Connects, asking git's credential helpers when the server wants credentials. */
    static Tunnel open(TunnelUrl url, String service, int version, Map<String, String> config)
            throws HelperException {
        URI endpoint = url.endpoint(service, version);
        String noVerify = System.getenv("GIT_SSL_NO_VERIFY");
        boolean verify = (noVerify == null || noVerify.isEmpty()) && !"false".equalsIgnoreCase(config.get("http.sslverify"));
        SSLSocketFactory tls = url.secure() ? tls(url, config, verify) : null;
        String authorization = initialAuthorization(url);
        Map<String, String> filled = null;
        while (true) {
            try {
                WebSocketClient socket = WebSocketClient.connect(endpoint, authorization, tls, verify);
                if (filled != null) {
                    GitCommands.reportCredential("approve", filled);
                }
                return new Tunnel(url, socket);
            } catch (WebSocketClient.Refused e) {
                if (e.status == 401 && filled == null && authorization == null) {
                    filled = GitCommands.fillCredential(url.credentialDescription());
                    authorization = basic(filled.getOrDefault("username", ""), filled.getOrDefault("password", ""));
                    continue;
                }
                if (e.status == 401 && filled != null) {
                    GitCommands.reportCredential("reject", filled);
                }
                throw refusal(url, e);
            } catch (ConnectException e) {
                throw new HelperException("unable to access '" + url.display() + "': Failed to connect: "
                        + e.getMessage());
            } catch (IOException e) {
                throw new HelperException("unable to access '" + url.display() + "': " + e.getMessage());
            }
        }
    }

    /** The message git itself prints for the same HTTP status. */
    private static HelperException refusal(TunnelUrl url, WebSocketClient.Refused e) {
        return switch (e.status) {
            case 401 -> new HelperException("Authentication failed for '" + url.display() + "'");
            case 404 -> new HelperException("repository '" + url.display() + "' not found");
            default -> new HelperException("unable to access '" + url.display()
                    + "': The requested URL returned error: " + e.status + " (" + e.getMessage() + ")");
        };
    }

    /** Credentials written into the URL, or {@code GITFN_TOKEN} (with {@code GITFN_USER} for Basic). */
    private static String initialAuthorization(TunnelUrl url) {
        String[] info = url.userInfo();
        if (info != null && info[1] != null) {
            return basic(info[0], info[1]);
        }
        String token = System.getenv("GITFN_TOKEN");
        if (token != null && !token.isEmpty()) {
            String user = System.getenv("GITFN_USER");
            return user == null || user.isEmpty() ? "Bearer " + token : basic(user, token);
        }
        return null;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Carries git's stdin to the server (on a second thread) and the server's
     * frames to stdout until the server closes; returns the helper's exit code.
     */
    int pump(InputStream stdin, OutputStream stdout) {
        Thread sender = new Thread(() -> {
            byte[] buffer = new byte[CHUNK];
            try {
                int n;
                while ((n = stdin.read(buffer)) > 0) {
                    socket.send(WebSocketClient.BINARY, buffer, 0, n);
                }
                socket.send(WebSocketClient.BINARY, buffer, 0, 0); // an empty frame: end of stdin
            } catch (IOException e) {
                // The tunnel is closing; the reader reports why.
            }
        }, "git-remote-ws-stdin");
        sender.setDaemon(true);
        sender.start();
        try {
            while (true) {
                WebSocketClient.Frame frame = socket.read();
                switch (frame.opcode()) {
                    case WebSocketClient.BINARY -> {
                        stdout.write(frame.payload());
                        stdout.flush();
                    }
                    case WebSocketClient.TEXT -> System.err.print(new String(frame.payload(), StandardCharsets.UTF_8));
                    case WebSocketClient.PING -> socket.send(WebSocketClient.PONG, frame.payload(), 0,
                            frame.payload().length);
                    case WebSocketClient.CLOSE -> {
                        return closed(frame.payload());
                    }
                    default -> {
                        // pong or a reserved opcode: nothing to do
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("fatal: connection to " + url.display() + " lost: " + e.getMessage());
            return 128;
        } finally {
            socket.close();
        }
    }

    /** The server's close frame: 1000 is success; anything else is printed as git prints a remote error. */
    private int closed(byte[] payload) {
        int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        try {
            socket.send(WebSocketClient.CLOSE, payload, 0, Math.min(payload.length, 2));
        } catch (IOException ignored) {
            // the server may already be gone
        }
        if (code == 1000) {
            return 0;
        }
        System.err.println("fatal: remote error: " + (reason.isEmpty() ? "tunnel closed with code " + code : reason));
        return 128;
    }

    /** TLS that trusts what git would: {@code http.sslCAInfo}, the JDK's CAs, or anything without verification. */
    private static SSLSocketFactory tls(TunnelUrl url, Map<String, String> config, boolean verify)
            throws HelperException {
        try {
            SSLContext ssl = SSLContext.getInstance("TLS");
            if (!verify) {
                ssl.init(null, new TrustManager[] {new TrustAll()}, null);
                return ssl.getSocketFactory();
            }
            String caInfo = System.getenv("GIT_SSL_CAINFO");
            if (caInfo == null || caInfo.isEmpty()) {
                caInfo = config.get("http.sslcainfo");
            }
            if (caInfo == null || caInfo.isEmpty()) {
                return (SSLSocketFactory) SSLSocketFactory.getDefault();
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            try (InputStream in = Files.newInputStream(Path.of(caInfo))) {
                for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("ca-" + i++, cert);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl.getSocketFactory();
        } catch (Exception e) {
            throw new HelperException("cannot set up TLS for " + url.display() + ": " + e.getMessage());
        }
    }

    /** {@code GIT_SSL_NO_VERIFY} or {@code http.sslVerify=false}: the user chose to trust any certificate. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
