package dev.gitfn.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

import io.quarkus.qute.TemplateData;

/**
 * The web view's addresses for one repository ({@code /<repo>/-/tree/...}: everything below a
 * repository after GitLab's {@code /-/}, so no page ever takes a repository name away), built
 * in one place so that every link a
 * page prints is percent-encoded segment by segment (a file named {@code <script>} or
 * {@code a?b#c} is a path, never markup or a query).
 */
@TemplateData
public final class WebLinks {
    private final String repo;

    public WebLinks(String repo) {
        this.repo = repo;
    }

    /** The repository's page: its clone URL without {@code .git}. */
    public String repo() {
        return "/" + segments(repo);
    }

    public String tree(String ref, String path) {
        return below("tree", ref, path);
    }

    public String blob(String ref, String path) {
        return below("blob", ref, path);
    }

    public String raw(String ref, String path) {
        return below("raw", ref, path);
    }

    public String commits(String ref, String path) {
        return below("commits", ref, path);
    }

    public String commit(String id) {
        return repo() + "/-/commit/" + segments(id);
    }

    /** The same address on page {@code page} (a {@code ?page=} query). */
    public static String page(String address, int page) {
        return page <= 1 ? address : address + "?page=" + page;
    }

    private String below(String kind, String ref, String path) {
        String p = path == null || path.isEmpty() ? "" : "/" + segments(path);
        return repo() + "/-/" + kind + "/" + segments(ref) + p;
    }

    /** {@code example.com:8080} → {@code example.com}; {@code [::1]:8080} → {@code [::1]}. */
    public static String hostName(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** Each {@code /}-separated segment percent-encoded as a path segment. */
    public static String segments(String path) {
        return Arrays.stream(path.split("/", -1))
                .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
    }
}
