package dev.gitfn.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What a pack file, its index and (after maintenance) its reachability bitmap
 * were when they were committed: sizes and SHA-256s, recorded in the ref state
 * beside the pack's name, so a copy that a store (or a disk) damaged is never
 * served. {@code bitmapBytes} is -1 and {@code bitmapSha256} null for a pack
 * without a bitmap (every pack a push sends).
 */
public record PackIntegrity(long packBytes, String packSha256, long idxBytes, String idxSha256, long bitmapBytes,
        String bitmapSha256) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public PackIntegrity {
        if (packBytes < 0 || idxBytes < 0 || !HEX.matcher(packSha256).matches()
                || !HEX.matcher(idxSha256).matches()
                || (bitmapSha256 == null ? bitmapBytes != -1
                        : bitmapBytes < 0 || !HEX.matcher(bitmapSha256).matches())) {
            throw new IllegalArgumentException("malformed pack integrity record");
        }
    }

    public PackIntegrity(long packBytes, String packSha256, long idxBytes, String idxSha256) {
        this(packBytes, packSha256, idxBytes, idxSha256, -1, null);
    }

    /** Measures a pack and its index as they are on disk. */
    public static PackIntegrity of(Path pack, Path idx) throws IOException {
        return new PackIntegrity(Files.size(pack), sha256(pack), Files.size(idx), sha256(idx));
    }

    /** Measures a pack, its index and its bitmap (null: none) as they are on disk. */
    public static PackIntegrity of(Path pack, Path idx, Path bitmap) throws IOException {
        return bitmap == null ? of(pack, idx)
                : new PackIntegrity(Files.size(pack), sha256(pack), Files.size(idx), sha256(idx),
                        Files.size(bitmap), sha256(bitmap));
    }

    public boolean hasBitmap() {
        return bitmapSha256 != null;
    }

    /** The expected size of the file with {@code ext} ({@code .pack}, {@code .idx} or {@code .bitmap}). */
    long bytes(String ext) {
        return switch (ext) {
            case ".pack" -> packBytes;
            case ".idx" -> idxBytes;
            default -> bitmapBytes;
        };
    }

    String sha256(String ext) {
        return switch (ext) {
            case ".pack" -> packSha256;
            case ".idx" -> idxSha256;
            default -> bitmapSha256;
        };
    }

    /** Why {@code file} is not the recorded {@code ext} file, or null when it is. */
    public String mismatch(Path file, String ext) throws IOException {
        long size = Files.size(file);
        if (size != bytes(ext)) {
            return size + " bytes where " + bytes(ext) + " were recorded";
        }
        String hash = sha256(file);
        return hash.equals(sha256(ext)) ? null : "SHA-256 " + hash + " where " + sha256(ext) + " was recorded";
    }

    /** The SHA-256 of a file, in hex, read in a stream. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[64 * 1024];
            while (in.read(buf) >= 0) {
                // digesting
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The ref-state form: {@code <pack bytes> <pack sha256> <idx bytes> <idx sha256>}, then
     * {@code <bitmap bytes> <bitmap sha256>} when there is a bitmap.
     */
    String serialize() {
        String base = packBytes + " " + packSha256 + " " + idxBytes + " " + idxSha256;
        return hasBitmap() ? base + " " + bitmapBytes + " " + bitmapSha256 : base;
    }

    static PackIntegrity parse(String text) {
        String[] f = text.split(" ");
        if (f.length == 4) {
            return new PackIntegrity(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), f[3]);
        }
        if (f.length == 6) {
            return new PackIntegrity(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4]),
                    f[5]);
        }
        throw new IllegalArgumentException("malformed pack integrity record");
    }
}
