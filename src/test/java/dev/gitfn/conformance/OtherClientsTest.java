package dev.gitfn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gitfn.support.Git;
import dev.gitfn.support.GitHttpBackend;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Git clients other than git itself, against gitfn and against git http-backend in the
 * same run: libgit2 (Debian's python3-pygit2), dulwich (python3-dulwich), isomorphic-git
 * (npm, on node) and the JGit client (Maven Central, in this JVM) clone,
 * fetch, shallow-clone, push, force-push, delete and push a tag. What each operation
 * gives (ok, or the client's error) and the refs the server ends with must be the
 * same on both: an operation that fails on both is the client's own limit.
 */
@QuarkusTest
class OtherClientsTest {
    private static final Path SCRIPT = Path.of("src/test/resources/clients/other_clients.py");
    private static final String PYTHON = "/usr/bin/python3";
    /** isomorphic-git's driver and its npm package (installed by the test when missing). */
    private static final Path JS = Path.of("src/test/clients").toAbsolutePath();
    private static Path work;
    private static GitHttpBackend backend;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(GitHttpBackend.available(), "lighttpd is not installed (.ci/run installs it)");
        work = TestDirs.fresh("other-clients");
        backend = new GitHttpBackend(work.resolve("backend-root"));
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    private static boolean hasModule(String module) throws Exception {
        Process p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @ParameterizedTest
    @ValueSource(strings = { "dulwich", "pygit2", "isomorphic-git", "jgit" })
    void behavesTheSameOnBothServers(String client) throws Exception {
        if (client.equals("dulwich") || client.equals("pygit2")) {
            assumeTrue(Files.isExecutable(Path.of(PYTHON)) && hasModule(client),
                    client + " is not installed (.ci/run installs python3-" + client + ")");
        }
        if (client.equals("isomorphic-git") && !Files.isDirectory(JS.resolve("node_modules/isomorphic-git"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(JS.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, npm.waitFor(), out);
        }
        String name = client + "-" + System.nanoTime();
        backend.createRepo(name);
        String theirs = backend.url() + name + ".git";
        String repo = TestDirs.repoName("clients/" + name);
        assertEquals(201, Http.createRepo(URI.create(base.toString()), repo));
        String ours = base + repo + ".git";

        String[] reference = run(client, theirs, "backend");
        String[] gitfn = run(client, ours, "gitfn");
        assertFalse(reference[0].contains("crash"), reference[0]);
        assertTrue(reference[0].startsWith("{") && reference[0].contains("\"clone\""),
                client + " reported nothing: " + reference[0]);
        assertTrue(reference[0].replace(" ", "").contains("\"clone\":\"ok\""), client + " could not even clone: "
                + reference[0]);
        System.out.printf("%s against http-backend: %s%n%s against gitfn:        %s%n", client, reference[0], client,
                gitfn[0]);
        assertEquals(reference[0], gitfn[0], "what each operation gave");
        assertEquals(reference[1], gitfn[1], "the refs the server ended with");
    }

    /** Seeds the repository with git, runs the client, and returns its JSON and the server's refs. */
    private String[] run(String client, String url, String side) throws Exception {
        Path dir = Files.createDirectories(work.resolve(client + "-" + side));
        Git git = new Git(dir.resolve("home"));
        Path src = dir.resolve("seed");
        git.ok(dir, "init", "-q", "-b", "main", src.toString());
        Map<String, String> fixed = Map.of("GIT_AUTHOR_DATE", "1700000000 +0000", "GIT_COMMITTER_DATE",
                "1700000000 +0000");
        for (int i = 0; i < 3; i++) {
            Files.writeString(src.resolve("seed.txt"), "seed " + i + "\n");
            git.ok(src, "add", "-A");
            git.run(src, fixed, "commit", "-q", "-m", "seed " + i).ok();
        }
        git.run(src, fixed, "tag", "-a", "-m", "v1", "v1").ok();
        git.ok(src, "push", "-q", url, "main", "v1");
        String json;
        if (client.equals("jgit")) {
            json = JgitClient.run(url, dir);
        } else {
            ProcessBuilder command = client.equals("isomorphic-git")
                    ? new ProcessBuilder("node", JS.resolve("isomorphic.mjs").toString(), url, dir.toString())
                    : new ProcessBuilder(PYTHON, SCRIPT.toString(), client, url, dir.toString());
            Process p = command.redirectError(ProcessBuilder.Redirect.DISCARD).start();
            json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
        }
        String refs = git.ok(dir, "ls-remote", url).trimmed();
        return new String[] { json.replace(url, "<url>"), refs };
    }

}
