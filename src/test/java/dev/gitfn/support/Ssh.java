package dev.gitfn.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * OpenSSH's client as git's SSH transport in tests: key pairs from {@code ssh-keygen}, the
 * server's host key from {@code ssh-keyscan} into a {@code known_hosts} that is then
 * enforced ({@code StrictHostKeyChecking=yes}), and the {@code GIT_SSH_COMMAND} for a key.
 */
public final class Ssh {
    private final Path dir;
    private final Path knownHosts;

    public Ssh(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "");
    }

    /** A new key pair of {@code type} ({@code ed25519}, {@code ecdsa}, {@code rsa}); returns the private key file. */
    public Path newKey(String name, String type, int bits) {
        Path key = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name + "@test",
                "-f", key.toString()));
        if (bits > 0) {
            command.addAll(List.of("-b", Integer.toString(bits)));
        }
        Result r = run(command, null);
        if (r.exit() != 0) {
            throw new AssertionError("ssh-keygen failed: " + r.err());
        }
        return key;
    }

    public Path newKey(String name) {
        return newKey(name, "ed25519", 0);
    }

    /** The {@code authorized_keys} line of a key made by {@link #newKey}. */
    public static String publicLine(Path key) {
        try {
            return Files.readString(Path.of(key + ".pub")).trim();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Learns the (ed25519) host key of {@code 127.0.0.1:port}, as a user confirms it once; returns the key line. */
    public String trust(int port) throws IOException {
        Result r = run(List.of("ssh-keyscan", "-p", Integer.toString(port), "-t", "ed25519", "127.0.0.1"),
                null);
        String lines = r.out().lines().filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
        if (lines.isBlank()) {
            throw new AssertionError("ssh-keyscan found no host key on port " + port + ": " + r.err());
        }
        Files.writeString(knownHosts, lines, java.nio.file.StandardOpenOption.APPEND);
        return lines;
    }

    /** The options every connection uses: this key only, the known hosts only, no agent, no prompts. */
    public List<String> options(Path key) {
        return List.of("-i", key.toString(), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null");
    }

    /** {@code GIT_SSH_COMMAND} for a key. */
    public String gitSshCommand(Path key) {
        return "ssh " + String.join(" ", options(key));
    }

    /** Outcome of one {@code ssh} run. */
    public record Result(int exit, String out, String err) {
    }

    /** {@code ssh -p port git@127.0.0.1 <remote>} with {@code stdin}. */
    public Result exec(Path key, int port, byte[] stdin, String... remote) {
        List<String> command = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
        command.addAll(options(key));
        command.add("git@127.0.0.1");
        command.addAll(List.of(remote));
        return run(command, stdin);
    }

    private static Result run(List<String> command, byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " timed out");
            }
            return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
