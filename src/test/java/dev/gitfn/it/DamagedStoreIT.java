package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * What is served is what was committed: an instance that finds the store's copy
 * of a pack damaged, or missing, serves none of it, says so in its log, answers
 * git with a clean error, and recovers by itself once the store is right.
 */
class DamagedStoreIT {

    @Test
    void damagedOrMissingPacksAreNeverServedAndTheInstanceRecovers() throws Exception {
        Path work = TestDirs.fresh("damaged-store");
        Path store = work.resolve("store");
        Git git = new Git(work.resolve("home"));
        Map<String, String> a = Map.of("GITFN_FS_ROOT", store.toString(), "GITFN_CACHE_DIR",
                work.resolve("cache-a").toString());
        Map<String, String> b = Map.of("GITFN_FS_ROOT", store.toString(), "GITFN_CACHE_DIR",
                work.resolve("cache-b").toString());
        try (ServerProcess writer = new ServerProcess(work.resolve("a.log"), a);
                ServerProcess reader = new ServerProcess(work.resolve("b.log"), b)) {
            Path src = git.newRepo(work.resolve("src"), 5);
            for (String repo : new String[] {"team/flipped", "team/missing"}) {
                assertEquals(201, Http.createRepo(java.net.URI.create(writer.url()), repo));
                git.ok(src, "push", writer.url() + repo + ".git", "main");
            }

            // A byte flipped in the store's pack: instance B must not serve it.
            Path flipped = packOf(store, "team/flipped");
            byte[] good = Files.readAllBytes(flipped);
            byte[] bad = good.clone();
            bad[bad.length / 2] ^= 0x20;
            Files.write(flipped, bad);
            Git.Result refused = git.run(work, "clone", reader.url() + "team/flipped.git", "flipped-1");
            assertNotEquals(0, refused.exitCode());
            assertTrue(refused.err().contains("503"), refused.err());
            assertTrue(Files.readString(work.resolve("b.log")).contains("is damaged"), "logged");
            Files.write(flipped, good);
            git.ok(work, "clone", reader.url() + "team/flipped.git", "flipped-2");
            git.ok(work.resolve("flipped-2"), "fsck", "--strict");

            // A pack the ref state lists but the store lost.
            Path missing = packOf(store, "team/missing");
            Path aside = work.resolve("aside.pack");
            Files.move(missing, aside);
            Git.Result lost = git.run(work, "clone", reader.url() + "team/missing.git", "missing-1");
            assertNotEquals(0, lost.exitCode());
            assertTrue(lost.err().contains("503"), lost.err());
            assertTrue(Files.readString(work.resolve("b.log")).contains("which its ref state lists"), "logged");
            Files.move(aside, missing);
            git.ok(work, "clone", reader.url() + "team/missing.git", "missing-2");
            git.ok(work.resolve("missing-2"), "fsck", "--strict");
            assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("missing-2"), "main"));
            // The writer went on serving throughout.
            git.ok(work, "ls-remote", writer.url() + "team/flipped.git");
        }
    }

    private static Path packOf(Path store, String repo) throws Exception {
        String state = Files.readString(store.resolve(repo + ".git/gitfn-state"));
        Matcher m = Pattern.compile("(?m)^pack (pack-[0-9a-f]{40}) ").matcher(state);
        assertTrue(m.find(), "the ref state records the pack's size and hash: " + state);
        return store.resolve(repo + ".git/objects/pack/" + m.group(1) + ".pack");
    }
}
