package dev.gitfn.ssh;

import java.util.Optional;

import dev.gitfn.protocol.GitService;

/**
 * The exec command git's SSH transport sends: {@code git-upload-pack '/team/app.git'} (or
 * {@code git upload-pack ...}), the path quoted as git's {@code sq_quote} does (a quote is
 * written {@code '\''}). Anything else is not a git command and is refused.
 */
record GitCommandLine(GitService service, String path) {
    private static final int MAX_LENGTH = 4096;

    /** The command, or empty when it is not one of git's two services with one quoted path. */
    static Optional<GitCommandLine> parse(String command) {
        if (command == null || command.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        String line = command.strip();
        int space = line.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String program = line.substring(0, space);
        String rest = line.substring(space + 1).stripLeading();
        if (program.equals("git")) { // "git upload-pack '...'"
            int next = rest.indexOf(' ');
            if (next < 0) {
                return Optional.empty();
            }
            program = "git-" + rest.substring(0, next);
            rest = rest.substring(next + 1).stripLeading();
        }
        Optional<GitService> service = GitService.fromName(program);
        if (service.isEmpty()) {
            return Optional.empty();
        }
        return unquote(rest).map(path -> new GitCommandLine(service.get(), strip(path)));
    }

    /** The repository path without the leading {@code /} (ssh:// URLs) or {@code ~/}. */
    private static String strip(String path) {
        String p = path.startsWith("~/") ? path.substring(2) : path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }

    /** One shell word: single-quoted pieces and git's backslash escapes of {@code '} and {@code !}. */
    private static Optional<String> unquote(String word) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < word.length()) {
            char c = word.charAt(i);
            if (c == '\'') {
                int end = word.indexOf('\'', i + 1);
                if (end < 0) {
                    return Optional.empty();
                }
                out.append(word, i + 1, end);
                i = end + 1;
            } else if (c == '\\' && i + 1 < word.length() && (word.charAt(i + 1) == '\'' || word.charAt(i + 1) == '!')) {
                out.append(word.charAt(i + 1));
                i += 2;
            } else if (Character.isWhitespace(c) || "\"$`;&|<>()*?[]{}\\".indexOf(c) >= 0) {
                return Optional.empty(); // a second word or shell syntax: not what git sends
            } else {
                out.append(c);
                i++;
            }
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(out.toString());
    }
}
