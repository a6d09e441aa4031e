package dev.gitfn.repo;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store's format version, in {@code .gitfn/format}: what layout of ref states, records
 * and keys the store holds (docs/ARCHITECTURE.md describes each). An instance serves only a
 * format it knows; a store without the file is format 0 (written before formats were
 * recorded) and is migrated by writing it.
 */
public final class StoreFormat {
    /** The format this build writes and reads. 1: the layout of docs/ARCHITECTURE.md, with the ref-state log and tombstones. */
    public static final int CURRENT = 1;
    public static final String KEY = StoreLayout.RECORDS + "format";
    private static final Pattern LINE = Pattern.compile("gitfn-store-format ([0-9]{1,9})\n?");

    private StoreFormat() {
    }

    public static byte[] render(int version) {
        return ("gitfn-store-format " + version + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The version the file says, or empty when it is not a format file. */
    public static OptionalInt parse(byte[] data) {
        Matcher m = LINE.matcher(new String(data, StandardCharsets.UTF_8));
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** Why this build may not serve a store of {@code version}, or null when it may. */
    public static String refusal(int version) {
        return version > CURRENT ? "the store has format " + version + " (" + KEY + "); this gitfn reads formats up to "
                + CURRENT + ": run a gitfn release that knows format " + version : null;
    }
}
