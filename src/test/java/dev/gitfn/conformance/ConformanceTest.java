package dev.gitfn.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.gitfn.support.Git;
import dev.gitfn.support.GitHttpBackend;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The differential conformance suite: each scenario runs the real git client against
 * gitfn and against {@code git http-backend} (under lighttpd, as a host runs it), from
 * the same deterministic history, and compares what matters: git's exit status, the
 * refs (and HEAD) the client ends with and whether they pass {@code fsck --strict},
 * the refs the server ends with, and git's error lines where both refuse. Every
 * difference fails the build unless {@code conformance-allow-list.txt} names it with
 * its reason; an entry that no longer differs fails too, so the list stays true.
 */
@QuarkusTest
class ConformanceTest {
    private static final Path ALLOW_LIST = Path.of("src/test/resources/conformance-allow-list.txt");
    private static Path work;
    private static GitHttpBackend backend;
    private static final AtomicInteger REPOS = new AtomicInteger();
    private static final Map<String, String> SEEN_DIFFERENCES = new TreeMap<>();

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void startBackend() throws IOException {
        assumeTrue(GitHttpBackend.available(), "lighttpd is not installed (.ci/run installs it)");
        work = TestDirs.fresh("conformance");
        backend = new GitHttpBackend(work.resolve("backend-root"));
    }

    @AfterAll
    static void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /** One side of the comparison. */
    interface Server {
        String name();

        /** A new empty repository; returns its URL. */
        String newRepo(String scenario);
    }

    /** What a scenario ended with on one server. */
    record Outcome(int exit, String client, String server, String errors) {
        Map<String, String> fields() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("exit", Integer.toString(exit));
            f.put("client", client);
            f.put("server", server);
            f.put("errors", errors);
            return f;
        }
    }

    /** What a scenario can do: the client, its own folder, the server's empty repository. */
    final class Run {
        final Git git;
        final Path dir;
        final String url;

        Run(Path dir, String url) {
            this.dir = dir;
            this.git = new Git(dir.resolve("home"));
            this.url = url;
        }

        /** A client repository with {@code commits} deterministic commits on main. */
        Path source(String name, int commits) {
            Path src = dir.resolve(name);
            git.ok(dir, "init", "-q", "-b", "main", src.toString());
            for (int i = 0; i < commits; i++) {
                commit(src, "c" + i);
            }
            return src;
        }

        /** A commit whose id is the same on every run: fixed content, names and dates. */
        void commit(Path repo, String label) {
            try {
                Files.writeString(repo.resolve("f-" + (label.hashCode() & 7) + ".txt"), label + "\n",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            git.ok(repo, "add", "-A");
            git.run(repo, FIXED, "commit", "-q", "-m", label).ok();
        }

        Git.Result git(Path in, String... args) {
            return git.run(in, FIXED, args);
        }

        Outcome outcome(Git.Result last, Path client) {
            String clientState = "";
            if (client != null && Files.isDirectory(client)) {
                String refs = git.run(client, "for-each-ref", "--format=%(objectname) %(refname)").out().trim();
                String head = git.run(client, "symbolic-ref", "-q", "HEAD").out().trim();
                int fsck = git.run(client, "fsck", "--strict", "--no-progress").exitCode();
                // how deep a shallow client is: its boundary commits and how many commits it holds
                Path shallowFile = client.resolve(git.run(client, "rev-parse", "--git-path", "shallow").out().trim());
                String shallow = "";
                try {
                    shallow = Files.exists(shallowFile) ? Files.readString(shallowFile).lines().sorted()
                            .collect(Collectors.joining(" ")) : "";
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                String commits = git.run(client, "rev-list", "--count", "--all").out().trim();
                clientState = refs + "\nHEAD -> " + head + "\nfsck " + (fsck == 0 ? "clean" : "FAILED")
                        + "\nshallow [" + shallow + "]\ncommits " + commits;
            }
            String serverState = git.run(dir, "ls-remote", "--symref", url).out().trim();
            return new Outcome(last.exitCode(), clientState, serverState, errors(last.err(), url));
        }
    }

    private static final Map<String, String> FIXED = Map.of("GIT_AUTHOR_DATE", "1700000000 +0000",
            "GIT_COMMITTER_DATE", "1700000000 +0000", "GIT_AUTHOR_NAME", "A U Thor", "GIT_AUTHOR_EMAIL",
            "author@example.com", "GIT_COMMITTER_NAME", "C O Mitter", "GIT_COMMITTER_EMAIL", "committer@example.com");

    /** git's own error lines, with each server's address taken out. */
    static String errors(String stderr, String url) {
        String host = URI.create(url).getAuthority();
        return stderr.lines()
                .filter(l -> l.startsWith("error:") || l.startsWith("fatal:") || l.startsWith(" ! ")
                        || l.startsWith("remote: error"))
                .map(l -> l.replace(url, "<url>").replace(host, "<host>"))
                .collect(Collectors.joining("\n"));
    }

    @FunctionalInterface
    interface Scenario {
        Outcome run(Run run) throws Exception;
    }

    private Server gitfn() {
        return new Server() {
            public String name() {
                return "gitfn";
            }

            public String newRepo(String scenario) {
                String name = TestDirs.repoName("conformance/" + scenario + "-" + REPOS.incrementAndGet());
                if (Http.createRepo(URI.create(base.toString()), name) != 201) {
                    throw new IllegalStateException("cannot create " + name);
                }
                return base + name + ".git";
            }
        };
    }

    private static Server httpBackend() {
        return new Server() {
            public String name() {
                return "http-backend";
            }

            public String newRepo(String scenario) {
                String name = scenario + "-" + REPOS.incrementAndGet();
                try {
                    backend.createRepo(name);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return backend.url() + name + ".git";
            }
        };
    }

    private Outcome runOn(Server server, String name, Scenario scenario) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name).resolve(server.name()));
        return scenario.run(new Run(dir, server.newRepo(name)));
    }

    private void compare(String name, Scenario scenario) throws Exception {
        Outcome reference = runOn(httpBackend(), name, scenario);
        Outcome ours = runOn(gitfn(), name, scenario);
        Map<String, String> allowed = allowList();
        List<String> failures = new ArrayList<>();
        for (var field : reference.fields().entrySet()) {
            String theirs = field.getValue();
            String mine = ours.fields().get(field.getKey());
            String key = name + " " + field.getKey();
            if (!theirs.equals(mine)) {
                SEEN_DIFFERENCES.put(key, "");
                if (!allowed.containsKey(key)) {
                    failures.add(key + " differs\n  http-backend: " + theirs.replace("\n", "\n                ")
                            + "\n  gitfn:        " + mine.replace("\n", "\n                "));
                }
            } else if (allowed.containsKey(key)) {
                failures.add(key + " is on the allow-list but no longer differs: remove it");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** {@code <scenario> <field>: <reason>} per line; {@code #} starts a comment. */
    static Map<String, String> allowList() throws IOException {
        Map<String, String> entries = new TreeMap<>();
        for (String line : Files.readAllLines(ALLOW_LIST)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(':');
            if (colon < 0 || l.substring(colon + 1).isBlank()) {
                throw new IllegalStateException("an allow-list entry needs a reason: " + line);
            }
            entries.put(l.substring(0, colon).strip(), l.substring(colon + 1).strip());
        }
        return entries;
    }

    @Test
    void everyAllowListEntryNamesAScenarioAndAField() throws IOException {
        List<String> names = scenarios().keySet().stream().toList();
        for (String key : allowList().keySet()) {
            String[] parts = key.split(" ");
            assertTrue(parts.length == 2 && names.contains(parts[0])
                    && List.of("exit", "client", "server", "errors").contains(parts[1]), "not a scenario field: " + key);
        }
    }

    @TestFactory
    Stream<DynamicTest> scenariosAgainstHttpBackend() {
        return scenarios().entrySet().stream()
                .map(s -> DynamicTest.dynamicTest(s.getKey(), () -> compare(s.getKey(), s.getValue())));
    }

    /** The scenarios, from what git's own HTTP tests check of a server (t5551, t5541, t5702, ...). */
    static Map<String, Scenario> scenarios() {
        Map<String, Scenario> all = new LinkedHashMap<>();
        all.put("clone-v2", r -> cloneWith(r, "2"));
        all.put("clone-v1", r -> cloneWith(r, "1"));
        all.put("clone-v0", r -> cloneWith(r, "0"));
        all.put("clone-empty", r -> {
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git(r.dir, "clone", "-q", r.url, clone.toString()), clone);
        });
        all.put("fetch-new-commits", r -> {
            Path src = seeded(r, 3);
            Path clone = r.dir.resolve("clone");
            r.git(r.dir, "clone", "-q", r.url, clone.toString()).ok();
            r.commit(src, "later");
            r.git(src, "push", "-q", r.url, "main").ok();
            return r.outcome(r.git(clone, "fetch", "-q", "origin"), clone);
        });
        all.put("push-new-branch", r -> {
            Path src = seeded(r, 2);
            r.git(src, "checkout", "-q", "-b", "topic").ok();
            r.commit(src, "topic");
            return r.outcome(r.git(src, "push", "-q", r.url, "topic"), null);
        });
        all.put("push-non-fast-forward", r -> {
            Path src = seeded(r, 3);
            r.git(src, "reset", "-q", "--hard", "HEAD~1").ok();
            r.commit(src, "diverged");
            return r.outcome(r.git(src, "push", "-q", r.url, "main"), null);
        });
        all.put("push-force", r -> {
            Path src = seeded(r, 3);
            r.git(src, "reset", "-q", "--hard", "HEAD~1").ok();
            r.commit(src, "diverged");
            return r.outcome(r.git(src, "push", "-q", "--force", r.url, "main"), null);
        });
        all.put("push-delete-branch", r -> {
            Path src = seeded(r, 2);
            r.git(src, "push", "-q", r.url, "main:side").ok();
            return r.outcome(r.git(src, "push", "-q", r.url, ":side"), null);
        });
        all.put("push-delete-current-branch", r -> {
            Path src = seeded(r, 2);
            r.git(src, "push", "-q", r.url, "main:side").ok();
            return r.outcome(r.git(src, "push", "-q", r.url, ":main"), null);
        });
        all.put("push-tags", r -> {
            Path src = seeded(r, 3);
            r.git(src, "tag", "light", "HEAD~1").ok();
            r.git(src, "tag", "-a", "-m", "annotated", "v1").ok();
            r.git(src, "push", "-q", r.url, "--tags").ok();
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git(r.dir, "clone", "-q", r.url, clone.toString()), clone);
        });
        all.put("fetch-follows-tags", r -> {
            Path src = seeded(r, 2);
            Path clone = r.dir.resolve("clone");
            r.git(r.dir, "clone", "-q", r.url, clone.toString()).ok();
            r.commit(src, "tagged");
            r.git(src, "tag", "-a", "-m", "release", "v2").ok();
            r.git(src, "push", "-q", r.url, "main", "v2").ok();
            return r.outcome(r.git(clone, "fetch", "-q", "origin", "main"), clone);
        });
        all.put("atomic-push-one-rejected", r -> {
            Path src = seeded(r, 3);
            r.git(src, "push", "-q", r.url, "main:side").ok();
            r.git(src, "reset", "-q", "--hard", "HEAD~1").ok();
            r.commit(src, "diverged");
            return r.outcome(r.git(src, "push", "-q", "--atomic", r.url, "main:main", "HEAD:refs/heads/new"), null);
        });
        all.put("push-options", r -> {
            Path src = seeded(r, 2);
            r.commit(src, "with-options");
            return r.outcome(r.git(src, "push", "-q", "-o", "ci.skip", "-o", "note=x", r.url, "main"), null);
        });
        all.put("push-folder-conflict", r -> {
            Path src = seeded(r, 2);
            r.git(src, "push", "-q", r.url, "main:refs/heads/a").ok();
            return r.outcome(r.git(src, "push", "-q", r.url, "main:refs/heads/a/b"), null);
        });
        all.put("push-many-refs", r -> {
            Path src = seeded(r, 1);
            StringBuilder refs = new StringBuilder();
            String head = r.git(src, "rev-parse", "HEAD").trimmed();
            for (int i = 0; i < 1500; i++) {
                refs.append("create refs/tags/t").append(i).append(' ').append(head).append('\n');
            }
            r.git.runWithInput(src, Map.of(), refs.toString().getBytes(StandardCharsets.UTF_8), "update-ref",
                    "--stdin").ok();
            r.git(src, "push", "-q", r.url, "--tags").ok();
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git(r.dir, "clone", "-q", "--mirror", r.url, clone.toString()), clone);
        });
        all.put("shallow-depth-1", r -> {
            seeded(r, 5);
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git(r.dir, "clone", "-q", "--depth", "1", r.url, clone.toString()), clone);
        });
        all.put("shallow-deepen", r -> {
            seeded(r, 5);
            Path clone = r.dir.resolve("clone");
            r.git(r.dir, "clone", "-q", "--depth", "1", r.url, clone.toString()).ok();
            return r.outcome(r.git(clone, "fetch", "-q", "--deepen", "2"), clone);
        });
        all.put("shallow-deepen-after-push", r -> {
            Path src = seeded(r, 6);
            Path clone = r.dir.resolve("clone");
            r.git(r.dir, "clone", "-q", "--depth", "2", r.url, clone.toString()).ok();
            r.commit(src, "later one");
            r.commit(src, "later two");
            r.git(src, "push", "-q", r.url, "main").ok();
            return r.outcome(r.git(clone, "fetch", "-q", "--deepen", "1"), clone);
        });
        all.put("shallow-deepen-to-depth", r -> {
            seeded(r, 5);
            Path clone = r.dir.resolve("clone");
            r.git(r.dir, "clone", "-q", "--depth", "1", r.url, clone.toString()).ok();
            return r.outcome(r.git(clone, "fetch", "-q", "--depth", "3"), clone);
        });
        all.put("shallow-unshallow", r -> {
            seeded(r, 5);
            Path clone = r.dir.resolve("clone");
            r.git(r.dir, "clone", "-q", "--depth", "1", r.url, clone.toString()).ok();
            return r.outcome(r.git(clone, "fetch", "-q", "--unshallow"), clone);
        });
        all.put("shallow-since", r -> {
            Path src = r.source("src", 0);
            for (int i = 0; i < 4; i++) {
                Files.writeString(src.resolve("s.txt"), "since " + i + "\n");
                r.git(src, "add", "-A").ok();
                r.git.run(src, Map.of("GIT_AUTHOR_DATE", (1600000000 + i * 86400) + " +0000", "GIT_COMMITTER_DATE",
                        (1600000000 + i * 86400) + " +0000", "GIT_AUTHOR_NAME", "A", "GIT_AUTHOR_EMAIL", "a@x",
                        "GIT_COMMITTER_NAME", "C", "GIT_COMMITTER_EMAIL", "c@x"), "commit", "-q", "-m", "s" + i).ok();
            }
            r.git(src, "push", "-q", r.url, "main").ok();
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git(r.dir, "clone", "-q", "--shallow-since=1600100000", r.url, clone.toString()),
                    clone);
        });
        all.put("shallow-exclude", r -> {
            Path src = seeded(r, 3);
            r.git(src, "tag", "base", "HEAD~1").ok();
            r.git(src, "push", "-q", r.url, "base").ok();
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git(r.dir, "clone", "-q", "--shallow-exclude=base", r.url, clone.toString()), clone);
        });
        all.put("filter-blob-none", r -> filtered(r, "blob:none"));
        all.put("filter-tree-0", r -> filtered(r, "tree:0"));
        all.put("filter-blob-limit", r -> filtered(r, "blob:limit=1k"));
        all.put("filter-object-type", r -> filtered(r, "object:type=commit"));
        all.put("filter-combine", r -> filtered(r, "combine:blob:none+tree:1"));
        all.put("fetch-unadvertised-object", r -> fetchForcePushedAway(r, "2"));
        all.put("fetch-unadvertised-object-v0", r -> fetchForcePushedAway(r, "0"));
        all.put("fetch-reachable-object", r -> {
            // A commit below a tip, by id (protocol v2): served, as by git's upload-pack.
            Path src = seeded(r, 3);
            String below = r.git(src, "rev-parse", "HEAD~1").trimmed();
            Path clone = r.dir.resolve("fetcher");
            r.git(r.dir, "init", "-q", "--bare", clone.toString()).ok();
            return r.outcome(r.git(clone, "fetch", "-q", r.url, below + ":refs/heads/got"), clone);
        });
        all.put("ls-remote-patterns", r -> {
            Path src = seeded(r, 2);
            r.git(src, "push", "-q", r.url, "main:feature/x", "main:feature/y").ok();
            Git.Result listed = r.git(r.dir, "ls-remote", r.url, "refs/heads/feature/*");
            return new Outcome(listed.exitCode(), listed.out().trim(), "", errors(listed.err(), r.url));
        });
        all.put("dumb-clone", r -> {
            seeded(r, 2);
            Path clone = r.dir.resolve("clone");
            return r.outcome(r.git.run(r.dir, Map.of("GIT_SMART_HTTP", "0"), "clone", "-q", r.url, clone.toString()),
                    clone);
        });
        all.put("fetch-negotiate-only", r -> {
            // push.negotiate's question (protocol v2's wait-for-done): which of my commits do you have?
            Path src = seeded(r, 3);
            r.commit(src, "local only");
            Git.Result asked = r.git(src, "-c", "protocol.version=2", "fetch", "--negotiate-only",
                    "--negotiation-tip=HEAD", r.url);
            return new Outcome(asked.exitCode(), asked.out().trim(), "", errors(asked.err(), r.url));
        });
        all.put("push-chunked-with-probe", r -> {
            // A body over http.postBuffer goes chunked, after a 0000 probe of the endpoint.
            Path src = seeded(r, 1);
            Files.writeString(src.resolve("big.txt"), "x".repeat(8192) + "\n");
            r.git(src, "add", "-A").ok();
            r.git(src, "commit", "-q", "-m", "big").ok();
            return r.outcome(r.git(src, "-c", "http.postBuffer=1024", "push", "-q", r.url, "main"), null);
        });
        all.put("push-sha256-repository", r -> {
            Path src = r.dir.resolve("sha256");
            r.git(r.dir, "init", "-q", "--object-format=sha256", "-b", "main", src.toString()).ok();
            r.commit(src, "in sha256");
            return r.outcome(r.git(src, "push", "-q", r.url, "main"), null);
        });
        all.put("signed-push-if-asked", r -> {
            Path src = seeded(r, 2);
            r.commit(src, "signed");
            return r.outcome(r.git(src, "push", "-q", "--signed=if-asked", r.url, "main"), null);
        });
        return all;
    }

    /** A history of {@code commits} pushed to the run's repository; returns the client's copy. */
    private static Path seeded(Run r, int commits) {
        Path src = r.source("src", commits);
        r.git(src, "push", "-q", r.url, "main").ok();
        return src;
    }

    /** A fetch by id of a commit no ref reaches any more (force-pushed away), in protocol {@code version}. */
    private static Outcome fetchForcePushedAway(Run r, String version) {
        Path src = seeded(r, 2);
        r.git(src, "push", "-q", r.url, "main:side").ok();
        String sideTip = r.git(src, "rev-parse", "HEAD").trimmed();
        r.git(src, "push", "-q", "--force", r.url, "main~1:main", "main~1:side").ok();
        Path clone = r.dir.resolve("fetcher");
        r.git(r.dir, "init", "-q", "--bare", clone.toString()).ok();
        return r.outcome(r.git(clone, "-c", "protocol.version=" + version, "fetch", "-q", r.url,
                sideTip + ":refs/heads/got"), clone);
    }

    private static Outcome cloneWith(Run r, String version) {
        Path src = seeded(r, 3);
        r.git(src, "tag", "-a", "-m", "v", "v1").ok();
        r.git(src, "push", "-q", r.url, "v1").ok();
        Path clone = r.dir.resolve("clone");
        return r.outcome(r.git(r.dir, "-c", "protocol.version=" + version, "clone", "-q", r.url, clone.toString()),
                clone);
    }

    private static Outcome filtered(Run r, String filter) throws IOException {
        Path src = seeded(r, 3);
        Files.writeString(src.resolve("big.txt"), "x".repeat(4000));
        r.git(src, "add", "big.txt").ok();
        r.commit(src, "big");
        r.git(src, "push", "-q", r.url, "main").ok();
        Path clone = r.dir.resolve("clone");
        Git.Result cloned = r.git(r.dir, "clone", "-q", "--filter=" + filter, r.url, clone.toString());
        if (cloned.exitCode() != 0) {
            return r.outcome(cloned, clone);
        }
        // Reading every file fetches what the filter left out, one lazy fetch at a time.
        return r.outcome(r.git(clone, "grep", "-q", "-e", "x", "HEAD", "--", "."), clone);
    }
}
