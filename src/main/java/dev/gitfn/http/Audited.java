package dev.gitfn.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The audit log's name for what a state-changing API endpoint does ({@code repo.delete}).
 * {@link AuditFilter} records every such call that succeeds; every one carries a name.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Audited {
    String value();
}
