package dev.gitfn.admission;

/** Client-supplied text made safe to echo in an error message or a log line. */
public final class Printable {
    private static final int MAX = 100;

    private Printable() {
    }

    /** At most 100 characters, control characters as {@code ?}, {@code (none)} for null. */
    public static String of(String s) {
        return of(s, MAX);
    }

    /** At most {@code max} characters (then {@code ...}), control characters as {@code ?}. */
    public static String of(String s, int max) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), max); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > max ? b.append("...").toString() : b.toString();
    }
}
