package dev.gitfn.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * A stand-in OIDC provider: an RSA signing key, its JWKS document on disk, and
 * signed tokens, as a real provider would issue them.
 */
public final class TestIssuer {
    public static final String ISSUER = "https://issuer.test.gitfn.dev";
    private static final RsaJsonWebKey KEY = generate("test-key");

    private TestIssuer() {
    }

    /** Writes the provider's public JWKS and returns its path. */
    public static Path jwks() {
        try {
            Path file = Path.of("target", "test-data", "jwks.json").toAbsolutePath();
            Files.createDirectories(file.getParent());
            Files.writeString(file, new JsonWebKeySet(KEY).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token for {@code user} in {@code groups}, valid for {@code minutes} (negative: already expired). */
    public static String token(String issuer, String user, List<String> groups, int minutes) {
        return sign(KEY, issuer, null, user, groups, minutes);
    }

    /** A token for {@code audience} ({@code aud}), signed by the provider's published key. */
    public static String tokenFor(String audience, String user, List<String> groups, int minutes) {
        return sign(KEY, ISSUER, audience, user, groups, minutes);
    }

    /** A token whose {@code groups} claim is one string rather than a list, as some providers send it. */
    public static String tokenWithOneGroupAsString(String user, String group) {
        try {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(ISSUER);
            claims.setSubject("sub-" + user);
            claims.setClaim("preferred_username", user);
            claims.setClaim("groups", group);
            claims.setIssuedAtToNow();
            claims.setExpirationTimeMinutesInTheFuture(10);
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(KEY.getPrivateKey());
            jws.setKeyIdHeaderValue(KEY.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same claims signed by a key the provider never published. */
    public static String forgedToken(String user, List<String> groups) {
        return forgedTokenFor(null, user, groups);
    }

    /** A token for {@code audience} signed by a key the provider never published (same key id). */
    public static String forgedTokenFor(String audience, String user, List<String> groups) {
        return sign(generate("test-key"), ISSUER, audience, user, groups, 10);
    }

    private static String sign(RsaJsonWebKey key, String issuer, String audience, String user, List<String> groups,
            int minutes) {
        try {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(issuer);
            if (audience != null) {
                claims.setAudience(audience);
            }
            claims.setSubject("sub-" + user);
            claims.setClaim("preferred_username", user);
            claims.setStringListClaim("groups", groups);
            claims.setIssuedAtToNow();
            claims.setExpirationTimeMinutesInTheFuture(minutes);
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key.getPrivateKey());
            jws.setKeyIdHeaderValue(key.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RsaJsonWebKey generate(String kid) {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(kid);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}
