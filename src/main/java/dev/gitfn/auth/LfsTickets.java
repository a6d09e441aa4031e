package dev.gitfn.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.PreconditionFailedException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Short-lived LFS credentials for SSH users ({@code git-lfs-authenticate}): a ticket names
 * who (a user, or a deploy key), one repository, read or write, and when it expires, signed
 * with HMAC-SHA256 by a key every instance shares (generated once into the store, as the SSH
 * host key is). Nothing is stored per ticket; the holder's rights are checked again on every
 * request, so removing the user, the key or the grant ends it at once. A ticket is good for
 * its repository's git and LFS endpoints only: the API and the web view do not take it.
 */
public final class LfsTickets {
    static final String PREFIX = "gfl_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Who a valid ticket stands for. */
    public record Ticket(boolean deployKey, String name, RepoName repo, Permission permission) {
    }

    private final BlobStore store;
    private final Clock clock;
    private volatile SecretKeySpec key;

    LfsTickets(BlobStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public static boolean isTicket(String secret) {
        return secret != null && secret.startsWith(PREFIX);
    }

    /** A ticket for {@code who} on {@code repo}, valid for {@code ttl}. */
    public Uni<String> issue(Principal who, RepoName repo, Permission permission, Duration ttl) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        String payload = String.join("\n", "v1", who.deployOnly() ? "deploy" : "user",
                who.deployOnly() ? who.tokenId() : who.name(), repo.value(), permission.name(), Long.toString(expires));
        return key().map(k -> PREFIX + b64(payload.getBytes(StandardCharsets.UTF_8)) + "." + b64(mac(k, payload)));
    }

    /** The ticket a secret is, if it is one, signed here, unexpired and for {@code repo}; else 401. */
    Uni<Ticket> verify(String secret, RepoName repo) {
        return key().map(k -> {
            int dot = secret.indexOf('.');
            if (dot < 0) {
                throw wrong();
            }
            String payload;
            byte[] signature;
            try {
                payload = new String(Base64.getUrlDecoder().decode(secret.substring(PREFIX.length(), dot)),
                        StandardCharsets.UTF_8);
                signature = Base64.getUrlDecoder().decode(secret.substring(dot + 1));
            } catch (IllegalArgumentException e) {
                throw wrong();
            }
            if (!MessageDigest.isEqual(mac(k, payload), signature)) {
                throw wrong();
            }
            String[] f = payload.split("\n", -1);
            if (f.length != 6 || !f[0].equals("v1")) {
                throw wrong();
            }
            if (Long.parseLong(f[5]) <= clock.instant().getEpochSecond()) {
                throw new AuthenticationRequiredException("wrong credentials", "the LFS ticket has expired");
            }
            if (!f[3].equals(repo.value())) {
                throw new AuthenticationRequiredException("wrong credentials", "an LFS ticket for another repository");
            }
            return new Ticket(f[1].equals("deploy"), f[2], repo, Permission.valueOf(f[4]));
        });
    }

    private static AuthenticationRequiredException wrong() {
        return new AuthenticationRequiredException("wrong credentials", "a malformed or forged LFS ticket");
    }

    /** The shared key: read once (off the event loop), created by the first instance that needs it. */
    private Uni<SecretKeySpec> key() {
        SecretKeySpec known = key;
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return Uni.createFrom().item(() -> {
            try {
                return load();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private synchronized SecretKeySpec load() throws IOException {
        if (key != null) {
            return key;
        }
        String name = StoreLayout.lfsTicketKeyKey();
        Optional<BlobStore.Versioned> stored = store.get(name);
        byte[] raw;
        if (stored.isPresent()) {
            raw = stored.get().data();
        } else {
            raw = new byte[32];
            RANDOM.nextBytes(raw);
            try {
                store.putIfMatch(name, raw, null);
            } catch (PreconditionFailedException lost) {
                raw = store.get(name).orElseThrow(() -> new IOException("the LFS ticket key vanished")).data();
            }
        }
        if (raw.length != 32) {
            throw new IOException("the LFS ticket key in the store is not 32 bytes");
        }
        key = new SecretKeySpec(raw, "HmacSHA256");
        return key;
    }

    private static byte[] mac(SecretKeySpec key, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] data) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    }
}
