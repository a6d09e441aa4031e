package dev.gitfn.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * JGit as a client (its own HTTP transport over the JDK's connection), doing what
 * {@code other_clients.py} does with the other libraries: clone, fetch, shallow clone,
 * push of a new branch, force push, branch deletion, tag push; each "ok" or the client's
 * error, with deterministic commits. For OtherClientsTest.
 */
final class JgitClient {
    private static final PersonIdent WHO = new PersonIdent("J", "j@example.com",
            java.time.Instant.ofEpochSecond(1_700_000_000L), java.time.ZoneOffset.UTC);

    private JgitClient() {
    }

    interface Step {
        void run() throws Exception;
    }

    static String run(String url, Path work) {
        Map<String, String> results = new TreeMap<>();
        Path dir = work.resolve("jgit");
        Git[] git = {null};
        attempt(results, "clone", () -> git[0] = Git.cloneRepository().setURI(url).setDirectory(dir.toFile()).call());
        attempt(results, "fetch", () -> git[0].fetch().setRemote("origin").call());
        attempt(results, "shallow", () -> Git.cloneRepository().setURI(url).setDepth(1)
                .setDirectory(work.resolve("jgit-shallow").toFile()).call().close());
        attempt(results, "push", () -> {
            Files.writeString(dir.resolve("jgit.txt"), "from jgit\n");
            git[0].add().addFilepattern("jgit.txt").call();
            git[0].commit().setMessage("from jgit").setAuthor(WHO).setCommitter(WHO).call();
            ok(git[0].push().setRemote("origin").setRefSpecs(new RefSpec("HEAD:refs/heads/from-jgit")).call());
        });
        attempt(results, "force", () -> {
            try (RevWalk walk = new RevWalk(git[0].getRepository())) {
                RevCommit main = walk.parseCommit(git[0].getRepository().resolve("refs/remotes/origin/main"));
                RefUpdate older = git[0].getRepository().updateRef("refs/heads/older");
                older.setNewObjectId(main.getParent(0));
                older.forceUpdate();
            }
            ok(git[0].push().setRemote("origin").setRefSpecs(new RefSpec("+refs/heads/older:refs/heads/main")).call());
        });
        attempt(results, "delete", () -> ok(git[0].push().setRemote("origin")
                .setRefSpecs(new RefSpec(":refs/heads/from-jgit")).call()));
        attempt(results, "tag", () -> {
            git[0].tag().setName("t-jgit").setMessage("tag").setTagger(WHO).setAnnotated(true).call();
            ok(git[0].push().setRemote("origin").setRefSpecs(new RefSpec("refs/tags/t-jgit:refs/tags/t-jgit")).call());
        });
        if (git[0] != null) {
            git[0].close();
        }
        return results.entrySet().stream().map(e -> "\"" + e.getKey() + "\": \"" + e.getValue().replace("\"", "'")
                + "\"").collect(Collectors.joining(", ", "{", "}"));
    }

    /** A push whose ref update the server refused is an error, as git reports it. */
    private static void ok(Iterable<PushResult> results) {
        for (PushResult r : results) {
            for (RemoteRefUpdate u : r.getRemoteUpdates()) {
                if (u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                    throw new IllegalStateException(u.getRemoteName() + " " + u.getStatus() + " " + u.getMessage());
                }
            }
        }
    }

    private static void attempt(Map<String, String> results, String name, Step step) {
        try {
            step.run();
            results.put(name, "ok");
        } catch (Exception e) {
            String message = String.valueOf(e.getMessage());
            results.put(name, "error: " + message.lines().findFirst().orElse(e.getClass().getSimpleName())
                    .replaceAll("https?://127\\.0\\.0\\.1:\\d+/\\S*", "<url>"));
        }
    }
}
