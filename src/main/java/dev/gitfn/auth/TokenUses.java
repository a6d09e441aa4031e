package dev.gitfn.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * "Last used" of tokens: written to the user's record at most once a minute per token on
 * each instance, on a worker thread after the request has been admitted, so a request
 * never waits for it and a busy token costs one store write a minute, not one per request.
 */
final class TokenUses {
    private static final Logger LOG = Logger.getLogger(TokenUses.class);
    static final Duration EVERY = Duration.ofMinutes(1);
    /** Token ids are chosen by the server, but bound the map anyway. */
    private static final int MAX_TRACKED = 10_000;

    private final AuthDirectory directory;
    private final Clock clock;
    private final Map<String, Instant> noted = new ConcurrentHashMap<>();

    TokenUses(AuthDirectory directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    /** Records that {@code token} of {@code user} was used now, unless it was within the minute. */
    void noteUse(String user, UserRecord.TokenRecord token) {
        Instant now = clock.instant();
        if (!due(token, now)) {
            return;
        }
        if (noted.size() >= MAX_TRACKED) {
            noted.clear();
        }
        noted.put(token.id(), now);
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                directory.updateUser(user, u -> u.withTokens(u.tokens().stream()
                        .map(t -> t.id().equals(token.id()) ? t.usedAt(now.toString()) : t).toList()));
            } catch (Exception e) {
                LOG.debugf(e, "could not record the use of token %s", token.id());
            }
        });
    }

    /** Whether a use at {@code now} is to be written: the record and this instance both last saw it a minute ago or more. */
    boolean due(UserRecord.TokenRecord token, Instant now) {
        Instant mine = noted.get(token.id());
        if (mine != null && now.isBefore(mine.plus(EVERY))) {
            return false;
        }
        try {
            return token.lastUsed() == null || !now.isBefore(Instant.parse(token.lastUsed()).plus(EVERY));
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
    }
}
