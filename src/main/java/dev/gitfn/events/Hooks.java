package dev.gitfn.events;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * A repository's webhooks and how far each has been told ({@code .gitfn/hooks/<repo>.json},
 * private like every record): one object, changed by compare-and-swap, copied by a rename.
 */
public record Hooks(List<Hook> hooks, Map<String, Progress> progress) {
    public static final Hooks NONE = new Hooks(List.of(), Map.of());

    /** One webhook; its secret never leaves the store (the API shows id, url and created). */
    public record Hook(String id, String url, String secret, String created) {
    }

    /**
     * A hook's delivery state: every history entry up to {@code delivered} (a ref-state
     * sequence number) was accepted; {@code recent} are the last attempts, newest last.
     */
    public record Progress(long delivered, int failures, List<Delivery> recent) {
        @JsonCreator
        public Progress {
            recent = recent == null ? List.of() : List.copyOf(recent);
        }
    }

    /** One attempt: which event, when, the receiver's status (0: no answer) and what went wrong. */
    public record Delivery(String event, String at, int status, String error) {
    }

    @JsonCreator
    public Hooks {
        hooks = hooks == null ? List.of() : List.copyOf(hooks);
        progress = progress == null ? Map.of() : Map.copyOf(progress);
    }

    public Progress progressOf(String hookId) {
        return progress.getOrDefault(hookId, new Progress(0, 0, List.of()));
    }
}
