package dev.gitfn.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What an endpoint needs, checked by {@link AdmissionFilter} before the body is
 * read. Every endpoint must carry one (on the method or its class): one without
 * is refused, never served unchecked.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Admit {
    Need value();

    /** The request builds a pack (upload-pack): it waits for one of the instance's pack slots. */
    boolean buildsPack() default false;

    enum Need {
        /** Read the repository named by the {@code repo} path parameter. */
        READ,
        /** Push to it. */
        WRITE,
        /** As the {@code service} query parameter says: push for git-receive-pack, else read. */
        BY_SERVICE,
        /** An admin, for the API. */
        ADMIN,
        /** Any signed-in user, for the API about itself ({@code /api/user}). */
        SIGNED_IN,
        /** An admin or the owner of the repository named by the {@code repo} path parameter. */
        MANAGE,
        /**
         * A web view page of the repository named by {@code repo}: read, with the session cookie
         * as credentials too; a refusal is a page, and never tells a private repository from a
         * missing one.
         */
        VIEW,
        /** A web view page that names no repository: anyone, signed in or not (session cookie too). */
        VISIT
    }
}
