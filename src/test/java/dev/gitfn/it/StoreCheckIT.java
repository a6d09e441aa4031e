package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * {@code target/bin/gitfn-store check} beside a live server, and the backup rehearsal the
 * README documents: copy the store folder, lose a pack and truncate another by hand, damage
 * an LFS object; check lists each and exits 1; put the copy back, check passes and a clone
 * is what was pushed. Derived files are rebuilt by {@code --repair}, which deletes nothing.
 */
class StoreCheckIT {
    private static final String ADMIN = "store-check-admin-token-0123456789abcdef";

    record Run(int exit, String out) {
    }

    @Test
    void checkFindsWhatWasDamagedByHandAndTheBackupBringsTheStoreBack() throws Exception {
        Path work = TestDirs.fresh("store-check");
        Path store = work.resolve("store");
        Map<String, String> env = ServerProcess.folderStore(work, Map.of("GITFN_AUTH_ADMIN_TOKEN", ADMIN));
        Git git = new Git(work.resolve("home"));
        try (ServerProcess server = new ServerProcess(work.resolve("server.log"), env)) {
            String auth = Http.basic("admin", ADMIN);
            String base = "http://admin:" + ADMIN + "@127.0.0.1:" + server.url().replaceAll(".*:(\\d+)/$", "$1") + "/";
            Path src = git.newRepo(work.resolve("src"), 4);
            git.ok(src, "tag", "-a", "-m", "v1", "v1");
            for (String repo : List.of("team/app", "team/other")) {
                assertEquals(201, Http.createRepo(server.url(), auth, repo).statusCode());
                git.ok(src, "push", base + repo + ".git", "main", "v1");
            }
            Run clean = check(store, work);
            assertEquals(0, clean.exit(), clean.out());
            assertTrue(clean.out().contains("checked 2 repositories: no problems"), clean.out());

            Path backup = work.resolve("backup");
            copy(store, backup);

            Path lost = packOf(store, "team/app");
            Files.delete(lost);
            Path truncated = packOf(store, "team/other");
            byte[] whole = Files.readAllBytes(truncated);
            Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
            String oid = "ab".repeat(32);
            Path lfs = store.resolve("team/other.git/lfs/objects/ab/ab/" + oid);
            Files.createDirectories(lfs.getParent());
            Files.writeString(lfs, "not the bytes that oid names");
            Run damaged = check(store, work);
            assertEquals(1, damaged.exit(), damaged.out());
            assertTrue(damaged.out().contains("team/app.git/objects/pack/" + lost.getFileName() + " is missing"),
                    damaged.out());
            assertTrue(damaged.out().contains("refs/heads/main names"), "the tip is gone with it: " + damaged.out());
            assertTrue(damaged.out().contains(truncated.getFileName() + ": " + whole.length / 2 + " bytes where "
                    + whole.length + " were recorded"), damaged.out());
            assertTrue(damaged.out().contains("lfs/objects/ab/ab/" + oid), damaged.out());
            Run one = check(store, work, "team/app");
            assertTrue(one.out().contains("checked 1 repository") && !one.out().contains("team/other"), one.out());
            // --repair rebuilds derived files only: the lost pack stays lost, nothing is deleted.
            Run notRepaired = check(store, work, "--repair");
            assertEquals(1, notRepaired.exit(), notRepaired.out());
            assertTrue(Files.exists(lfs), "repair deletes nothing");

            // The backup rehearsal: put the copy back.
            delete(store);
            copy(backup, store);
            Run restored = check(store, work);
            assertEquals(0, restored.exit(), restored.out());
            git.ok(work, "clone", "-q", base + "team/app.git", "clone");
            Path clone = work.resolve("clone");
            git.ok(clone, "fsck", "--strict");
            assertEquals(git.revParse(src, "main"), git.revParse(clone, "origin/main"));
            assertEquals(git.revParse(src, "v1"), git.revParse(clone, "v1"));

            // Derived files behind the state: reported, rebuilt by --repair, then clean.
            Path infoRefs = store.resolve("team/app.git/info/refs");
            String good = Files.readString(infoRefs);
            Files.writeString(infoRefs, "0000000000000000000000000000000000000000\trefs/heads/gone\n");
            Run stale = check(store, work);
            assertEquals(1, stale.exit(), stale.out());
            assertTrue(stale.out().contains("team/app.git/info/refs does not match the ref state"), stale.out());
            Run repaired = check(store, work, "--repair");
            assertEquals(0, repaired.exit(), repaired.out());
            assertTrue(repaired.out().contains("repaired: team/app"), repaired.out());
            assertEquals(good, Files.readString(infoRefs));
            assertEquals(0, check(store, work).exit());
            assertEquals(2, check(store, work, "--bogus").exit(), "misuse");
            // The server went on serving beside every check.
            git.ok(work, "ls-remote", base + "team/other.git");
            assertEquals("gitfn-store-format 1\n", Files.readString(store.resolve(".gitfn/format")));
        }

        // A store of a newer format than this build knows: the server refuses to start, saying why.
        Files.writeString(store.resolve(".gitfn/format"), "gitfn-store-format 99\n");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=0", "-Dquarkus.management.port=0", "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process newer = pb.start();
        String said = new String(newer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(newer.waitFor(60, TimeUnit.SECONDS));
        assertTrue(newer.exitValue() != 0, said);
        assertTrue(said.contains("the store has format 99") && said.contains("reads formats up to 1"), said);
        Run refused = check(store, work);
        assertEquals(2, refused.exit(), refused.out());
        assertTrue(refused.out().contains("the store has format 99"), refused.out());
    }

    private static Run check(Path store, Path work, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("target/bin/gitfn-store", "check"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("GITFN_FS_ROOT", store.toString());
        pb.environment().put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "check ended");
        return new Run(p.exitValue(), out);
    }

    private static Path packOf(Path store, String repo) throws IOException {
        String state = Files.readString(store.resolve(repo + ".git/gitfn-state"));
        Matcher m = Pattern.compile("(?m)^pack (pack-[0-9a-f]{40}) ").matcher(state);
        assertTrue(m.find(), state);
        return store.resolve(repo + ".git/objects/pack/" + m.group(1) + ".pack");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
