package dev.gitfn.web;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.safety.Safelist;

/**
 * A README as HTML that can do nothing: commonmark renders the Markdown with raw HTML
 * escaped and unsafe link schemes dropped, then jsoup's {@link org.jsoup.safety.Cleaner}
 * keeps only a list of inert elements and attributes (no script, style, event handler,
 * form or frame; links and images only over http, https, mailto or relative). Relative
 * links and images are pointed at the repository's files.
 */
public final class Readme {
    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().extensions(EXTENSIONS)
            .escapeHtml(true).sanitizeUrls(true).build();
    /** jsoup's relaxed list: text formatting, lists, tables, code, links and images; nothing active. */
    private static final Safelist SAFE = Safelist.relaxed().preserveRelativeLinks(true);

    private Readme() {
    }

    /**
     * {@code markdown} as safe HTML; {@code fileLink} and {@code rawLink} turn a path relative
     * to the repository's root into the web view's address of that file (and its raw bytes).
     */
    public static String toHtml(String markdown, UnaryOperator<String> fileLink, UnaryOperator<String> rawLink) {
        String rendered = RENDERER.render(PARSER.parse(markdown));
        // A base URI that is never served makes the relative links the Cleaner keeps recognisable.
        String base = "https://readme.invalid/";
        Document dirty = Jsoup.parseBodyFragment(rendered, base);
        for (Element a : dirty.select("a[href]")) {
            String href = a.attr("href");
            if (isRelative(href)) {
                a.attr("href", fileLink.apply(stripDot(href)));
            }
        }
        for (Element img : dirty.select("img[src]")) {
            String src = img.attr("src");
            if (isRelative(src)) {
                img.attr("src", rawLink.apply(stripDot(src)));
            }
        }
        String clean = Jsoup.clean(dirty.body().html(), base, SAFE);
        Document out = Jsoup.parseBodyFragment(clean, base);
        for (Element a : out.select("a[href]")) {
            a.attr("rel", "nofollow noopener noreferrer");
        }
        out.outputSettings().prettyPrint(false);
        return out.body().html();
    }

    /** Whether a README's name says Markdown ({@code README.md}, {@code readme.markdown}). */
    public static boolean isMarkdown(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".md") || n.endsWith(".markdown");
    }

    /** A README that is not Markdown, shown as it is. */
    public static String plainText(String text) {
        return "<pre>" + org.jsoup.nodes.Entities.escape(text) + "</pre>";
    }

    /** A path inside the repository (no scheme, no host, not a fragment or a root-relative address). */
    private static boolean isRelative(String href) {
        String h = href.trim().toLowerCase(Locale.ROOT);
        return !h.isEmpty() && !h.startsWith("#") && !h.startsWith("/") && !h.startsWith("//")
                && !h.matches("^[a-z][a-z0-9+.-]*:.*");
    }

    private static String stripDot(String href) {
        String h = href.trim();
        while (h.startsWith("./")) {
            h = h.substring(2);
        }
        return h;
    }
}
