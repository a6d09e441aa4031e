package dev.gitfn.repo;

import java.util.regex.Pattern;

/**
 * A validated repository name such as {@code team/app}. This is the one place
 * that decides what a name may be; every transport parses names through it.
 *
 * <p>Rule: 1 to 8 segments joined by {@code /}, at most 200 characters in all;
 * each segment starts with a letter, digit or underscore and continues with
 * letters, digits, {@code . _ -}; no segment ends in {@code .git} or
 * {@code .lock}; the first segment is not {@code api} (the admin API lives
 * there); and the name does not end in a path git's endpoints use after a
 * repository ({@code HEAD}, {@code ws}, {@code git-upload-pack},
 * {@code git-receive-pack}, {@code info/refs}, {@code info/lfs},
 * {@code objects/info}, {@code objects/pack}), since git's URLs may leave out
 * {@code .git} and such a name would be read as another repository's file. So
 * {@code ..}, hidden segments, absolute paths, backslashes, percent signs and
 * control characters can never reach the store.
 */
public record RepoName(String value) {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");
    private static final int MAX_LENGTH = 200;
    private static final int MAX_SEGMENTS = 8;
    private static final java.util.Set<String> RESERVED_LAST = java.util.Set.of("HEAD", "ws", "git-upload-pack",
            "git-receive-pack");
    private static final java.util.Set<String> RESERVED_LAST_TWO = java.util.Set.of("info/refs", "info/lfs",
            "objects/info", "objects/pack");

    public RepoName {
        validate(value);
    }

    /** Parses a name as it appears in a URL: a trailing {@code .git} is optional. */
    public static RepoName parse(String raw) {
        if (raw == null) {
            throw new InvalidRepoNameException("missing repository name");
        }
        String name = raw.endsWith(".git") ? raw.substring(0, raw.length() - 4) : raw;
        return new RepoName(name);
    }

    /** The folder this repository occupies in the store and the cache: {@code team/app.git}. */
    public String directory() {
        return value + ".git";
    }

    @Override
    public String toString() {
        return value;
    }

    private static void validate(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new InvalidRepoNameException("repository name must have 1 to " + MAX_LENGTH + " characters");
        }
        String[] segments = name.split("/", -1);
        if (segments.length > MAX_SEGMENTS) {
            throw new InvalidRepoNameException("repository name has more than " + MAX_SEGMENTS + " segments");
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches() || segment.endsWith(".git") || segment.endsWith(".lock")) {
                throw new InvalidRepoNameException(
                        "invalid repository name: segments are letters, digits, '.', '_' and '-', "
                        + "start with a letter, digit or '_', and do not end in .git or .lock");
            }
        }
        if (segments[0].equals("api")) {
            throw new InvalidRepoNameException("repository names may not start with 'api/'");
        }
        String last = segments[segments.length - 1];
        String lastTwo = segments.length < 2 ? "" : segments[segments.length - 2] + "/" + last;
        if (RESERVED_LAST.contains(last) || RESERVED_LAST_TWO.contains(lastTwo)) {
            throw new InvalidRepoNameException("repository names may not end in '" + (RESERVED_LAST.contains(last)
                    ? last : lastTwo) + "': git's URLs use that path inside a repository");
        }
    }
}
