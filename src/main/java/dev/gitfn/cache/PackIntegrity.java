package dev.gitfn.cache;

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
 * What a pack file and its index were when their push committed: sizes and
 * SHA-256s, recorded in the ref state beside the pack's name, so a copy that a
 * store (or a disk) damaged is never served.
 */
public record PackIntegrity(long packBytes, String packSha256, long idxBytes, String idxSha256) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public PackIntegrity {
        if (packBytes < 0 || idxBytes < 0 || !HEX.matcher(packSha256).matches()
                || !HEX.matcher(idxSha256).matches()) {
            throw new IllegalArgumentException("malformed pack integrity record");
        }
    }

    /** Measures a pack and its index as they are on disk. */
    public static PackIntegrity of(Path pack, Path idx) throws IOException {
        return new PackIntegrity(Files.size(pack), sha256(pack), Files.size(idx), sha256(idx));
    }

    /** The expected size and hash of the file with {@code ext} ({@code .pack} or {@code .idx}). */
    long bytes(String ext) {
        return ext.equals(".pack") ? packBytes : idxBytes;
    }

    String sha256(String ext) {
        return ext.equals(".pack") ? packSha256 : idxSha256;
    }

    /** Why {@code file} is not the recorded {@code ext} file, or null when it is. */
    String mismatch(Path file, String ext) throws IOException {
        long size = Files.size(file);
        if (size != bytes(ext)) {
            return size + " bytes where " + bytes(ext) + " were recorded";
        }
        String hash = sha256(file);
        return hash.equals(sha256(ext)) ? null : "SHA-256 " + hash + " where " + sha256(ext) + " was recorded";
    }

    static String sha256(Path file) throws IOException {
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

    /** The ref-state form: {@code <pack bytes> <pack sha256> <idx bytes> <idx sha256>}. */
    String serialize() {
        return packBytes + " " + packSha256 + " " + idxBytes + " " + idxSha256;
    }

    static PackIntegrity parse(String text) {
        String[] f = text.split(" ");
        if (f.length != 4) {
            throw new IllegalArgumentException("malformed pack integrity record");
        }
        return new PackIntegrity(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), f[3]);
    }
}
