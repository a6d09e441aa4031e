package dev.gitfn.audit;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One audited action: when (ISO-8601), what ({@code repo.delete}, {@code push.force}, ...),
 * who (user and token id, never a secret), over which transport, from which address, on
 * which repository, and what it changed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(String time, String action, String user, String tokenId, String transport, String client,
        String repo, Map<String, Object> detail) {
}
