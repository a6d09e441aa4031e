package dev.gitfn.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The embedded store: a plain folder, laid out exactly like the keys, so that
 * any static file server can publish it for dumb-HTTP clones.
 *
 * <p>Every write goes to a temporary file first and is renamed into place
 * atomically, so a reader or a crash never sees half a file. Compare-and-swap
 * holds a lock file (an OS lock, so it also excludes other processes sharing
 * the folder) while it compares the version and renames. Versions are the
 * SHA-256 of the content. gitfn's own bookkeeping lives under {@code .gitfn/},
 * which no key can name.
 */
public class FsBlobStore implements BlobStore {
    private static final String INTERNAL_DIR = ".gitfn";

    private final Path root;
    private final Path tmpDir;
    private final Path lockDir;
    /** OS file locks are per process; this excludes threads of this process too. */
    private final ConcurrentHashMap<String, ReentrantLock> localLocks = new ConcurrentHashMap<>();

    /** A store in {@code root}, with its temporary files and locks in {@code root/.gitfn}. */
    public FsBlobStore(Path root) {
        this(root, root.toAbsolutePath().normalize().resolve(INTERNAL_DIR));
    }

    /**
     * A store in {@code root} whose temporary files and locks live in {@code workDir}
     * (on the same file system, for atomic renames): the published area keeps its
     * own folder free of anything but what it publishes.
     */
    public FsBlobStore(Path root, Path workDir) {
        try {
            this.root = Files.createDirectories(root.toAbsolutePath().normalize());
            this.tmpDir = Files.createDirectories(workDir.toAbsolutePath().normalize().resolve("tmp"));
            this.lockDir = Files.createDirectories(workDir.toAbsolutePath().normalize().resolve("locks"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create store folder " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    private Path pathOf(String key) {
        return root.resolve(StoreKeys.check(key));
    }

    @Override
    public Optional<Versioned> get(String key) throws IOException {
        try {
            byte[] data = Files.readAllBytes(pathOf(key));
            return Optional.of(new Versioned(data, etagOf(data)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Conditional getIfChanged(String key, String knownEtag) throws IOException {
        Optional<Versioned> current = get(key);
        if (current.isEmpty()) {
            return Conditional.missing();
        }
        if (current.get().etag().equals(knownEtag)) {
            return Conditional.unchanged();
        }
        return Conditional.changed(current.get());
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        Path tmp = writeTemp(data);
        moveIntoPlace(tmp, pathOf(key));
    }

    @Override
    public String putIfMatch(String key, byte[] data, String expectedEtag) throws IOException {
        Path target = pathOf(key);
        ReentrantLock local = localLocks.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        try (FileChannel lockFile = FileChannel.open(lockDir.resolve(etagOf(key.getBytes()) + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockFile.lock()) {
            Optional<Versioned> current = get(key);
            boolean matches = expectedEtag == null
                    ? current.isEmpty()
                    : current.isPresent() && current.get().etag().equals(expectedEtag);
            if (!matches) {
                throw new PreconditionFailedException(key);
            }
            Path tmp = writeTemp(data);
            moveIntoPlace(tmp, target);
            Durability.forceDirectory(target.getParent());
            return etagOf(data);
        } finally {
            local.unlock();
        }
    }

    @Override
    public void upload(String key, Path source) throws IOException {
        Path target = pathOf(key);
        Path tmp = tempFile();
        try {
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            // Opened for reading: the copy keeps the source's mode, and JGit's packs are read-only,
            // which only root may open for writing (fsync needs no write access).
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ)) {
                Durability.force(ch);
            }
            moveIntoPlace(tmp, target);
            // Durable before anything refers to it (invariant 1), rename included.
            Durability.forceDirectory(target.getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void copy(String from, String to) throws IOException {
        Path source = pathOf(from);
        if (!Files.isRegularFile(source)) {
            throw new NoSuchFileException(from);
        }
        upload(to, source);
    }

    @Override
    public void download(String key, Path target) throws IOException {
        Path source = pathOf(key);
        Path tmp = target.resolveSibling(".download-" + UUID.randomUUID());
        try (InputStream in = Files.newInputStream(source)) {
            Files.copy(in, tmp);
            moveIntoPlace(tmp, target);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(key);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(pathOf(key));
    }

    @Override
    public java.util.OptionalLong size(String key) throws IOException {
        Path file = pathOf(key);
        return Files.isRegularFile(file) ? java.util.OptionalLong.of(Files.size(file)) : java.util.OptionalLong.empty();
    }

    /**
     * Walks only the deepest folder the prefix names. gitfn's own records ({@code .gitfn/})
     * are listed only when the prefix asks for them, and the temporary files and locks never.
     */
    @Override
    public List<String> list(String prefix) throws IOException {
        int slash = prefix.lastIndexOf('/');
        Path start = slash <= 0 ? root : pathOf(prefix.substring(0, slash));
        boolean records = prefix.startsWith(INTERNAL_DIR + "/");
        List<String> keys = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return keys;
        }
        try (Stream<Path> files = walk(start)) {
            files.filter(Files::isRegularFile).forEach(p -> {
                String key = root.relativize(p).toString().replace('\\', '/');
                if (key.startsWith(prefix) && (records || !key.startsWith(INTERNAL_DIR + "/"))
                        && !p.startsWith(tmpDir) && !p.startsWith(lockDir)) {
                    keys.add(key);
                }
            });
        } catch (UncheckedIOException e) {
            // A file vanished during the walk (a concurrent delete): list again.
            if (e.getCause() instanceof NoSuchFileException) {
                return list(prefix);
            }
            throw e.getCause();
        } catch (NoSuchFileException e) {
            return keys; // the folder went while the walk began
        }
        return keys;
    }

    /** Every path below {@code start}; a seam, so tests can make a file vanish mid-walk. */
    Stream<Path> walk(Path start) throws IOException {
        return Files.walk(start);
    }

    /** The atomic rename into place; a seam, so tests can make a concurrent delete prune its folder. */
    void move(Path tmp, Path target) throws IOException {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(String key) throws IOException {
        Path file = pathOf(key);
        Files.deleteIfExists(file);
        // Empty folders go too, so a static server over the folder shows nothing that was removed.
        for (Path dir = file.getParent(); dir != null && dir.startsWith(root) && !dir.equals(root);
                dir = dir.getParent()) {
            try {
                Files.deleteIfExists(dir);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                break;
            }
        }
    }

    private Path tempFile() {
        return tmpDir.resolve(UUID.randomUUID().toString());
    }

    private Path writeTemp(byte[] data) throws IOException {
        Path tmp = tempFile();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            Durability.force(ch);
        }
        return tmp;
    }

    private void moveIntoPlace(Path tmp, Path target) throws IOException {
        for (int attempt = 1;; attempt++) {
            Files.createDirectories(target.getParent());
            try {
                move(tmp, target);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("store folder must be on one file system that supports atomic rename", e);
            } catch (NoSuchFileException e) {
                if (attempt == 3 || !Files.exists(tmp)) {
                    throw e;
                }
                // A concurrent delete pruned the (then empty) folder: make it again.
            }
        }
    }

    static String etagOf(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
