package dev.gitfn.http;

/** Client-supplied text made safe to echo in an error message. */
final class Printable {
    private static final int MAX = 100;

    private Printable() {
    }

    static String of(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), MAX); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > MAX ? b.append("...").toString() : b.toString();
    }
}
