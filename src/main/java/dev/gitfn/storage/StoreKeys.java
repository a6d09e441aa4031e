package dev.gitfn.storage;

/** The one rule for what a store key may look like, shared by every backend. */
public final class StoreKeys {
    private StoreKeys() {
    }

    /**
     * Rejects keys that could escape the store's root: empty, absolute, with empty,
     * {@code .} or {@code ..} segments, backslashes or control characters. Repository
     * names are validated long before they get here; this is the last line.
     */
    public static String check(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("invalid store key: " + key);
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid store key: " + key);
            }
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("invalid store key: " + key);
            }
        }
        return key;
    }
}
