package dev.gitfn.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code git} command line, run in an isolated environment (its own
 * HOME, no system config), so tests see what a user would see.
 */
public final class Git {
    private final Path home;
    private final Map<String, String> env = new HashMap<>();

    public Git(Path home) {
        this.home = home;
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        env.put("HOME", home.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_AUTHOR_NAME", "Test Author");
        env.put("GIT_AUTHOR_EMAIL", "author@example.com");
        env.put("GIT_COMMITTER_NAME", "Test Committer");
        env.put("GIT_COMMITTER_EMAIL", "committer@example.com");
        env.put("LC_ALL", "C");
        // The build's git-remote-ws on PATH, running on this JDK, as a user who installed it would have.
        env.put("PATH", HELPER_DIR + java.io.File.pathSeparator + System.getenv("PATH"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
    }

    /** Where the build leaves the remote helper for ws:// and wss:// URLs. */
    public static final Path HELPER_DIR = Path.of("target", "bin").toAbsolutePath();

    public Path home() {
        return home;
    }

    /** Sets an environment variable for every later command (e.g. {@code GIT_SSH_COMMAND}). */
    public Git withEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Outcome of one git command. */
    public record Result(int exitCode, String out, String err) {
        public Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("git failed with " + exitCode + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }

        public String trimmed() {
            return out.trim();
        }
    }

    /** Runs git in {@code dir}; {@code extraEnv} may be empty. */
    public Result run(Path dir, Map<String, String> extraEnv, String... args) {
        return runWithInput(dir, extraEnv, new byte[0], args);
    }

    /** Runs git in {@code dir} with {@code stdin} as its standard input. */
    public Result runWithInput(Path dir, Map<String, String> extraEnv, byte[] stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add("git");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        try {
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("git " + String.join(" ", args) + " timed out");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Result run(Path dir, String... args) {
        return run(dir, Map.of(), args);
    }

    /** Runs git and fails the test unless it exits 0. */
    public Result ok(Path dir, String... args) {
        return run(dir, args).ok();
    }

    /** A new repository at {@code dir} on branch {@code main} with {@code commits} commits. */
    public Path newRepo(Path dir, int commits) {
        ok(dir.getParent(), "init", "-q", "-b", "main", dir.getFileName().toString());
        commit(dir, commits, "file");
        return dir;
    }

    /** Adds {@code count} commits, each changing a file named after {@code prefix}. */
    public void commit(Path dir, int count, String prefix) {
        try {
            for (int i = 0; i < count; i++) {
                Files.writeString(dir.resolve(prefix + "-" + (i % 7) + ".txt"),
                        prefix + " line " + i + " " + System.nanoTime() + "\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                ok(dir, "add", "-A");
                ok(dir, "commit", "-q", "-m", prefix + " " + i);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Commits a file of {@code bytes} random, incompressible bytes (seeded by its name, so
     * runs repeat): a pack of a known size.
     */
    public void commitRandomFile(Path dir, String name, int bytes) {
        byte[] data = new byte[bytes];
        new java.util.Random(name.hashCode()).nextBytes(data);
        try {
            Files.write(dir.resolve(name), data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ok(dir, "add", name);
        ok(dir, "commit", "-q", "-m", name);
    }

    public String revParse(Path dir, String rev) {
        return ok(dir, "rev-parse", rev).trimmed();
    }

    /** {@code git ls-remote} as a sorted, newline-separated string. */
    public String lsRemote(Path dir, String url) {
        return ok(dir, "ls-remote", url).trimmed();
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
