package dev.gitfn.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.gitfn.repo.InvalidRepoNameException;
import dev.gitfn.repo.RepoName;
import dev.gitfn.storage.StoreKeys;

/**
 * Fuzzes what a hostile client controls before any git object is written: the
 * repository name in the URL, the pkt-line framing our limiter watches, and the
 * upload-pack and receive-pack requests JGit parses behind it. Invariants:
 * a name either is refused or stays inside its folder; the limiter never changes
 * a byte and refuses only with PackProtocolException; the services end on any
 * input, with a checked exception at worst (which the server turns into ERR).
 *
 * <p>Every {@code ./mvnw verify} runs the seeds in
 * {@code src/test/resources/dev/gitfn/protocol/RequestParsingFuzzTestInputs}
 * and then fuzzes for {@code maxDuration}. A longer run by hand:
 * {@code ./mvnw test -Dtest=RequestParsingFuzzTest -Djazzer.max_duration=30m}.
 */
class RequestParsingFuzzTest {
    private static final InMemoryRepository REPO = repository();

    @FuzzTest(maxDuration = "20s")
    void requestParsing(FuzzedDataProvider data) throws Exception {
        switch (data.consumeInt(0, 3)) {
            case 0 -> repositoryName(data.consumeRemainingAsString());
            case 1 -> limiterIsTransparent(data.consumeRemainingAsBytes(), data);
            case 2 -> uploadPack(data.consumeRemainingAsBytes());
            default -> receivePack(data.consumeRemainingAsBytes());
        }
    }

    private static void repositoryName(String raw) {
        RepoName name;
        try {
            name = RepoName.parse(raw);
        } catch (InvalidRepoNameException refused) {
            return;
        }
        StoreKeys.check(name.directory() + "/HEAD"); // throws if it could leave the store's root
        for (String segment : name.value().split("/")) {
            assertFalse(segment.startsWith(".") || segment.contains("%") || segment.contains("\\"), raw);
        }
    }

    private static void limiterIsTransparent(byte[] request, FuzzedDataProvider data) throws IOException {
        InputStream limited = PktLineLimiter.forFetch(new ByteArrayInputStream(request), 50, Duration.ofMinutes(1), null);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 + (request.length % 97)];
        try {
            int n;
            while ((n = limited.read(buffer, 0, buffer.length)) > 0) {
                seen.write(buffer, 0, n);
            }
        } catch (PackProtocolException limit) {
            byte[] prefix = new byte[seen.size()];
            System.arraycopy(request, 0, prefix, 0, prefix.length);
            assertArrayEquals(prefix, seen.toByteArray());
            return;
        }
        assertArrayEquals(request, seen.toByteArray());
    }

    private static void uploadPack(byte[] request) {
        try (UploadPack up = new UploadPack(REPO)) {
            up.setBiDirectionalPipe(false);
            up.uploadWithExceptionPropagation(
                    PktLineLimiter.forFetch(new ByteArrayInputStream(request), 1000, Duration.ofMinutes(1), null),
                    new ByteArrayOutputStream(), null);
        } catch (IOException | RuntimeException refused) {
            // A refusal: the server answers it with an ERR packet.
        }
    }

    private static void receivePack(byte[] request) {
        ReceivePack rp = new ReceivePack(REPO);
        rp.setBiDirectionalPipe(false);
        try {
            rp.receiveWithExceptionPropagation(PktLineLimiter.forPush(new ByteArrayInputStream(request), 100,
                    1 << 20, Duration.ofMinutes(1), null),
                    new ByteArrayOutputStream(), null);
        } catch (IOException | RuntimeException refused) {
            // A refusal: the server answers it with an ERR packet or a status report.
        }
    }

    /** A tiny in-memory repository with one commit on main, so requests can name real objects. */
    private static InMemoryRepository repository() {
        try {
            InMemoryRepository repo = new InMemoryRepository(new DfsRepositoryDescription("fuzz"));
            try (ObjectInserter ins = repo.newObjectInserter()) {
                ObjectId blob = ins.insert(Constants.OBJ_BLOB, "hello\n".getBytes());
                TreeFormatter tree = new TreeFormatter();
                tree.append("hello.txt", org.eclipse.jgit.lib.FileMode.REGULAR_FILE, blob);
                CommitBuilder commit = new CommitBuilder();
                commit.setTreeId(ins.insert(tree));
                PersonIdent who = new PersonIdent("Fuzz", "fuzz@example.com", 0, 0);
                commit.setAuthor(who);
                commit.setCommitter(who);
                commit.setMessage("seed\n");
                ObjectId id = ins.insert(commit);
                ins.flush();
                RefUpdate ru = repo.updateRef("refs/heads/main");
                ru.setNewObjectId(id);
                ru.update();
            }
            return repo;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
