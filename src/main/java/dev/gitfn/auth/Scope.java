package dev.gitfn.auth;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a token may be used for, at most: {@code read} (fetch, LFS download), {@code write}
 * (push, LFS upload; implies read), {@code admin} (the API, for what its user owns or, for
 * an admin, everything; implies write). A scope never adds a right its user lacks at the
 * moment of use.
 */
public enum Scope {
    READ, WRITE, ADMIN;

    /** Every scope: what a credential that is not a scoped token (a JWT, the admin token, an SSH key) carries. */
    public static final Set<Scope> ALL = Set.copyOf(EnumSet.allOf(Scope.class));

    /** Parses {@code ["read","write"]}; empty when a name is unknown or the list is empty. */
    public static Optional<Set<Scope>> parse(List<String> names) {
        if (names == null || names.isEmpty()) {
            return Optional.empty();
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String name : names) {
            Scope scope = name == null ? null : switch (name.toLowerCase(Locale.ROOT)) {
                case "read" -> READ;
                case "write" -> WRITE;
                case "admin" -> ADMIN;
                default -> null;
            };
            if (scope == null) {
                return Optional.empty();
            }
            scopes.add(scope);
        }
        return Optional.of(Set.copyOf(scopes));
    }

    /** Whether a credential with {@code scopes} may ask for {@code permission} on a repository. */
    public static boolean allows(Set<Scope> scopes, Permission permission) {
        return covers(scopes, permission == Permission.WRITE ? WRITE : READ);
    }

    /** Whether {@code scopes} include {@code wanted} or a scope that implies it (admin, then write, then read). */
    public static boolean covers(Set<Scope> scopes, Scope wanted) {
        return scopes.stream().anyMatch(s -> s.ordinal() >= wanted.ordinal());
    }

    /** The lower-case names, for records and answers. */
    public static List<String> names(Set<Scope> scopes) {
        return scopes.stream().sorted().map(s -> s.name().toLowerCase(Locale.ROOT)).toList();
    }
}
