package dev.gitfn.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;

/**
 * A fixture: a repository created on the server under test through the API,
 * and a local repository with {@code commits} commits that pushed main to it.
 */
public record PushedRepo(Path work, Git git, String url, Path src) {

    public static PushedRepo create(URL base, String name, int commits) {
        Path work = TestDirs.fresh(name.replace('/', '-'));
        Git git = new Git(work.resolve("home"));
        String unique = TestDirs.repoName(name + "-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), unique));
        String url = base + unique + ".git";
        Path src = git.newRepo(work.resolve("src"), commits);
        git.ok(src, "push", url, "main");
        return new PushedRepo(work, git, url, src);
    }
}
