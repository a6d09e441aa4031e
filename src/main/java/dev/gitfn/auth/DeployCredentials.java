package dev.gitfn.auth;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * A repository's machine credentials ({@code .gitfn/deploy/<repo>.json}), each valid for
 * that one repository only and for nothing else (no other repository, no API): deploy
 * tokens (read, or read and write, maybe expiring) and deploy keys (SSH; read-only unless
 * {@code write}). They belong to the repository, not to a user: they go on working when
 * the user who made them leaves, and go when the repository is purged.
 */
public record DeployCredentials(List<UserRecord.TokenRecord> tokens, List<DeployKey> keys) {
    public static final DeployCredentials NONE = new DeployCredentials(List.of(), List.of());

    /** One deploy key: its id (to remove it), {@code authorized_keys} line, fingerprint, title. */
    public record DeployKey(String id, String key, String fingerprint, String title, boolean write, String created) {
    }

    @JsonCreator
    public DeployCredentials {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        keys = keys == null ? List.of() : List.copyOf(keys);
    }

    public DeployCredentials withTokens(List<UserRecord.TokenRecord> newTokens) {
        return new DeployCredentials(newTokens, keys);
    }

    public DeployCredentials withKeys(List<DeployKey> newKeys) {
        return new DeployCredentials(tokens, newKeys);
    }

    /** The principal a deploy token's id stands for: never a user name (those have no colon). */
    public static String principalName(String credentialId) {
        return "deploy:" + credentialId;
    }
}
