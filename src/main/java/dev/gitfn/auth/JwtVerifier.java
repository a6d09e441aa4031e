package dev.gitfn.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.keys.resolvers.VerificationKeyResolver;

import dev.gitfn.config.GitfnConfig;

/**
 * Verifies bearer JWTs issued by an OIDC provider: signature against the
 * provider's JWKS (fetched and refreshed by jose4j, the library under
 * Quarkus's own JWT support), issuer, audience, expiry. Asymmetric algorithms
 * only, so a token signed with the public key as an HMAC secret is refused.
 */
final class JwtVerifier {
    private final JwtConsumer consumer;
    private final String userClaim;
    private final String groupsClaim;
    private final String adminGroup;

    private JwtVerifier(JwtConsumer consumer, GitfnConfig.Auth config) {
        this.consumer = consumer;
        this.userClaim = config.jwt().userClaim();
        this.groupsClaim = config.jwt().groupsClaim();
        this.adminGroup = config.adminGroup();
    }

    /** A verifier when both the issuer and the JWKS location are configured. */
    static Optional<JwtVerifier> fromConfig(GitfnConfig.Auth config) {
        GitfnConfig.Auth.Jwt jwt = config.jwt();
        if (jwt.issuer().isEmpty() || jwt.jwksUrl().isEmpty()) {
            if (jwt.issuer().isPresent() || jwt.jwksUrl().isPresent()) {
                throw new IllegalStateException("gitfn.auth.jwt needs both issuer and jwks-url");
            }
            return Optional.empty();
        }
        JwtConsumerBuilder builder = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds(30)
                // A token good for years is a stolen credential that never expires.
                .setMaxFutureValidityInMinutes((int) Math.max(1, jwt.maxLifetime().toMinutes()))
                .setExpectedIssuer(jwt.issuer().get())
                .setVerificationKeyResolver(keys(jwt.jwksUrl().get()))
                .setJwsAlgorithmConstraints(new AlgorithmConstraints(ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
                        AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.RSA_PSS_USING_SHA256,
                        AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
                        AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384));
        if (jwt.audience().isPresent()) {
            builder.setExpectedAudience(jwt.audience().get());
        } else {
            builder.setSkipDefaultAudienceValidation();
        }
        return Optional.of(new JwtVerifier(builder.build(), config));
    }

    private static VerificationKeyResolver keys(String location) {
        if (location.startsWith("https://") || location.startsWith("http://")) {
            return new HttpsJwksVerificationKeyResolver(new HttpsJwks(location));
        }
        try {
            return new JwksVerificationKeyResolver(
                    new JsonWebKeySet(Files.readString(Path.of(location))).getJsonWebKeys());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read JWKS from " + location + ": " + e.getMessage(), e);
        }
    }

    /** The principal a valid token names; throws {@link AuthenticationRequiredException} otherwise. */
    Principal verify(String token) {
        try {
            JwtClaims claims = consumer.processToClaims(token);
            String name = claims.getClaimValueAsString(userClaim);
            if (name == null) {
                name = claims.getSubject();
            }
            if (name == null || name.isBlank()) {
                throw new AuthenticationRequiredException("token names no user");
            }
            Set<String> groups = new HashSet<>();
            Object listed = claims.getClaimValue(groupsClaim);
            if (listed instanceof String one) {
                groups.add(one); // some providers send a single group as a plain string
            } else if (listed != null) {
                groups.addAll(claims.getStringListClaimValue(groupsClaim));
            }
            return new Principal(name, Set.copyOf(groups), groups.contains(adminGroup));
        } catch (InvalidJwtException | MalformedClaimException e) {
            throw new AuthenticationRequiredException("invalid token");
        }
    }
}
