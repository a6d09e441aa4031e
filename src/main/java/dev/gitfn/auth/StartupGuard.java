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
 * says so; asked to listen anywhere else it refuses to start, unless
 * {@code gitfn.auth.allow-anonymous=true} says an open server is meant.
 */
@Singleton
public class StartupGuard {
    private static final Logger LOG = Logger.getLogger(StartupGuard.class);

    void check(@Observes StartupEvent event, AccessControl access, GitfnConfig config,
            @ConfigProperty(name = "quarkus.http.host") String host) {
        if (access.enabled()) {
            LOG.infof("authentication is on: %s", describe(config));
            return;
        }
        if (isLoopback(host)) {
            LOG.warnf("no authentication configured (gitfn.auth.admin-token, gitfn.auth.jwt.*): anyone who can "
                    + "reach %s may read and write every repository; listening on loopback only", host);
            return;
        }
        if (config.auth().allowAnonymous()) {
            LOG.warnf("no authentication configured and listening on %s: ANYONE may read and write every "
                    + "repository (gitfn.auth.allow-anonymous=true)", host);
            return;
        }
        throw new IllegalStateException("refusing to listen on " + host + " without authentication: set "
                + "gitfn.auth.admin-token (GITFN_AUTH_ADMIN_TOKEN) or gitfn.auth.jwt.issuer and jwks-url, or allow "
                + "anonymous read and write with gitfn.auth.allow-anonymous=true");
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
