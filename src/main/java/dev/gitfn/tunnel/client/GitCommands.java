package dev.gitfn.tunnel.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** What the helper asks of the git that started it: configuration and credentials. */
final class GitCommands {
    private GitCommands() {
    }

    /**
     * The settings the helper reads, in one {@code git config} run (it sees {@code -c}
     * options too, through {@code GIT_CONFIG_PARAMETERS}): lower-cased keys to values.
     */
    static Map<String, String> config() {
        Map<String, String> values = new HashMap<>();
        try {
            Result r = run(null, "git", "config", "--null", "--get-regexp",
                    "^(protocol\\.version|http\\.sslcainfo|http\\.sslverify)$");
            for (String entry : r.out.split("\0")) {
                int nl = entry.indexOf('\n');
                if (nl > 0) {
                    values.put(entry.substring(0, nl).toLowerCase(Locale.ROOT), entry.substring(nl + 1));
                }
            }
        } catch (IOException e) {
            // No usable git config: defaults apply.
        }
        return values;
    }

    /** Credentials from git's credential helpers (or a prompt): {@code git credential fill}. */
    static Map<String, String> fillCredential(Map<String, String> description) throws HelperException {
        try {
            Result r = run(format(description), "git", "credential", "fill");
            if (r.exit != 0) {
                // git has printed why, e.g. "could not read Username ... terminal prompts disabled".
                throw new HelperException("no credentials", true);
            }
            Map<String, String> answer = new HashMap<>();
            for (String line : r.out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    answer.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return answer;
        } catch (IOException e) {
            throw new HelperException("cannot run git credential: " + e.getMessage());
        }
    }

    /** {@code git credential approve} or {@code reject}: tells the credential helpers how it went. */
    static void reportCredential(String verdict, Map<String, String> credential) {
        try {
            run(format(credential), "git", "credential", verdict);
        } catch (IOException e) {
            // Only a cache goes stale; the transfer itself is unaffected.
        }
    }

    private static String format(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.append('\n').toString();
    }

    private record Result(int exit, String out) {
    }

    private static Result run(String input, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out;
        try (InputStream o = p.getInputStream()) {
            out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            return new Result(p.waitFor(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
