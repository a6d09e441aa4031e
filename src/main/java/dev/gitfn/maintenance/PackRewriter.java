package dev.gitfn.maintenance;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.jgit.internal.storage.file.PackBitmapIndexWriterV1;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.pack.PackConfig;

import dev.gitfn.repo.PackIntegrity;
import dev.gitfn.repo.RefState;

/**
 * Writes the packs maintenance makes, with JGit's pack writer, into a work folder:
 * the pack of everything the refs reach (with its reachability bitmap), and packs of
 * given objects (a roll-up of small packs, or the cruft no ref reaches). Deltas the
 * packs already hold are reused, so the cost is mostly copying.
 *
 * <p>Each pack is named by its own checksum (its last 20 bytes), as current git
 * names packs, not by its object set as JGit's receive does: a rewrite of the same
 * objects then gets a new name, so no store key ever changes its bytes.
 */
final class PackRewriter {
    /** One written pack: its name and files (the bitmap may be absent). */
    record Written(String name, Path pack, Path idx, Path bitmap, PackIntegrity integrity, long objects) {
        List<Path> files() {
            List<Path> files = new ArrayList<>();
            if (bitmap != null) {
                files.add(bitmap);
            }
            files.add(idx);
            files.add(pack);
            return files;
        }
    }

    private PackRewriter() {
    }

    /**
     * The pack of every object {@code state}'s refs and history (its entries since
     * {@code historyFrom}, epoch seconds) reach, with a bitmap; null for a
     * repository without refs. {@code included} receives the ids it holds.
     */
    static Written reachable(Repository repo, RefState state, long historyFrom, Path folder, Set<ObjectId> included)
            throws IOException {
        Set<ObjectId> tips = new LinkedHashSet<>(state.refs().values());
        if (tips.isEmpty()) {
            return null;
        }
        // What the history can restore stays: its ids are roots too (those still present).
        for (ObjectId id : state.historyRoots(historyFrom)) {
            if (repo.getObjectDatabase().has(id)) {
                tips.add(id);
            }
        }
        Set<ObjectId> tags = new HashSet<>();
        state.refs().forEach((ref, id) -> {
            if (ref.startsWith(Constants.R_TAGS)) {
                tags.add(id);
            }
        });
        PackConfig config = new PackConfig(repo);
        config.setBuildBitmaps(true);
        try (ObjectReader reader = repo.newObjectReader(); PackWriter writer = new PackWriter(config, reader)) {
            writer.setDeltaBaseAsOffset(true);
            writer.setReuseDeltaCommits(false);
            writer.setCreateBitmaps(true);
            writer.preparePack(NullProgressMonitor.INSTANCE, tips, PackWriter.NONE, PackWriter.NONE, tags);
            for (var entry : writer.getObjectSet()) {
                included.add(entry.toObjectId());
            }
            return write(writer, folder, true);
        }
    }

    /** A pack of exactly {@code ids} (all in the repository); null when there are none. */
    static Written objects(Repository repo, Collection<ObjectId> ids, Path folder) throws IOException {
        if (ids.isEmpty()) {
            return null;
        }
        PackConfig config = new PackConfig(repo);
        try (ObjectReader reader = repo.newObjectReader(); RevWalk walk = new RevWalk(reader);
                PackWriter writer = new PackWriter(config, reader)) {
            writer.setDeltaBaseAsOffset(true);
            List<RevObject> objects = new ArrayList<>(ids.size());
            for (ObjectId id : ids) {
                objects.add(walk.lookupAny(id, reader.open(id).getType()));
            }
            writer.preparePack(objects.iterator());
            return write(writer, folder, false);
        }
    }

    /** Every object id in a pack, read from its index. */
    static Set<ObjectId> idsIn(Path idx) throws IOException {
        Set<ObjectId> ids = new HashSet<>();
        for (PackIndex.MutableEntry entry : PackIndex.open(idx.toFile())) {
            ids.add(entry.toObjectId());
        }
        return ids;
    }

    private static Written write(PackWriter writer, Path folder, boolean bitmap) throws IOException {
        long objects = writer.getObjectCount();
        Path tmp = Files.createTempFile(folder, "write-", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                writer.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, out);
                dev.gitfn.storage.Durability.force(channel);
            }
            String name = "pack-" + trailer(tmp);
            Path pack = folder.resolve(name + ".pack");
            Path idx = folder.resolve(name + ".idx");
            try (OutputStream out = Files.newOutputStream(idx)) {
                writer.writeIndex(out);
            }
            Path bitmapFile = null;
            if (bitmap && writer.prepareBitmapIndex(NullProgressMonitor.INSTANCE)) {
                bitmapFile = folder.resolve(name + ".bitmap");
                try (OutputStream out = Files.newOutputStream(bitmapFile)) {
                    writer.writeBitmapIndex(new PackBitmapIndexWriterV1(out));
                }
            }
            Files.move(tmp, pack, StandardCopyOption.ATOMIC_MOVE);
            return new Written(name, pack, idx, bitmapFile, PackIntegrity.of(pack, idx, bitmapFile), objects);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The pack's own SHA-1 checksum, its last 20 bytes, in hex. */
    private static String trailer(Path pack) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(pack.toFile(), "r")) {
            byte[] sum = new byte[Constants.OBJECT_ID_LENGTH];
            file.seek(file.length() - sum.length);
            file.readFully(sum);
            return ObjectId.fromRaw(sum).name();
        }
    }
}
