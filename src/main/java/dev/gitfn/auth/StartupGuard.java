package dev.gitfn.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.gitfn.config.GitfnConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * Safe by default: without authentication the server serves loopback only and
 * says so; asked to listen anywhere else (the main or the management port), or
 * started on a platform whose proxy reaches it on loopback while the service is
 * public (Knative, Lambda, Kubernetes), it refuses to start, unless
 * {@code gitfn.auth.allow-anonymous=true} says an open server is meant.
 */
@Singleton
public class StartupGuard {
    private static final Logger LOG = Logger.getLogger(StartupGuard.class);
    /** Variables that Knative, AWS Lambda and Kubernetes set in every container they start. */
    static final java.util.List<String> PLATFORM_VARIABLES = java.util.List.of("K_SERVICE",
            "AWS_LAMBDA_FUNCTION_NAME", "KUBERNETES_SERVICE_HOST");

    void check(@Observes StartupEvent event, AccessControl access, GitfnConfig config,
            @ConfigProperty(name = "quarkus.http.host") String host,
            @ConfigProperty(name = "quarkus.management.host", defaultValue = "127.0.0.1") String managementHost) {
        if (access.enabled()) {
            LOG.infof("authentication is on: %s", describe(config));
            return;
        }
        String refusal = refusal(host, managementHost, config.auth().allowAnonymous(), System.getenv());
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        if (config.auth().allowAnonymous()) {
            LOG.warnf("no authentication configured and listening on %s: ANYONE may read and write every "
                    + "repository (gitfn.auth.allow-anonymous=true)", host);
        } else {
            LOG.warnf("no authentication configured (gitfn.auth.admin-token, gitfn.auth.jwt.*): anyone who can "
                    + "reach %s may read and write every repository; listening on loopback only", host);
        }
    }

    /**
     * Why a server without authentication must not start, or null when it may:
     * it would listen beyond loopback, or run on a platform, without
     * {@code allowAnonymous}.
     */
    static String refusal(String host, String managementHost, boolean allowAnonymous,
            java.util.Map<String, String> env) {
        if (allowAnonymous) {
            return null;
        }
        String how = "set gitfn.auth.admin-token (GITFN_AUTH_ADMIN_TOKEN) or gitfn.auth.jwt.issuer and jwks-url, "
                + "or allow anonymous read and write with gitfn.auth.allow-anonymous=true";
        for (String variable : PLATFORM_VARIABLES) {
            if (env.get(variable) != null) {
                return "refusing to run without authentication on a platform (" + variable + " is set): its "
                        + "proxy reaches gitfn on loopback while the service is public; " + how;
            }
        }
        for (String listening : new String[] {host, managementHost}) {
            if (!isLoopback(listening)) {
                return "refusing to listen on " + listening + " without authentication: " + how;
            }
        }
        return null;
    }

    private static String describe(GitfnConfig config) {
        String how = config.auth().adminToken().isPresent() ? "admin token" : "";
        if (config.auth().jwt().issuer().isPresent()) {
            how += (how.isEmpty() ? "" : ", ") + "JWTs from " + config.auth().jwt().issuer().get();
        }
        return how + ", personal access tokens";
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
