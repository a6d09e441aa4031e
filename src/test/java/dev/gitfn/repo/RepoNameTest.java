package dev.gitfn.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every naming rule as a named case, so breaking one rule fails the case that
 * names it. Each refused name is also a seed of the fuzzer, which starts from them.
 */
class RepoNameTest {
    static final Path SEEDS = Path.of("src/test/resources/dev/gitfn/protocol/RequestParsingFuzzTestInputs/requestParsing");

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("leading dot", ".hidden"),
                Arguments.of("leading dot in a later segment", "team/.app"),
                Arguments.of("dot-dot", ".."),
                Arguments.of("dot-dot inside", "team/../etc"),
                Arguments.of("single dot segment", "team/./app"),
                Arguments.of("empty segment", "team//app"),
                Arguments.of("absolute", "/team/app"),
                Arguments.of("trailing slash", "team/app/"),
                Arguments.of(".git suffix on a segment", "team.git/app"),
                Arguments.of("double .git suffix", "app.git.git"),
                Arguments.of(".lock suffix", "app.lock"),
                Arguments.of("backslash", "team\\app"),
                Arguments.of("percent", "team/a%2fb"),
                Arguments.of("space", "team/my app"),
                Arguments.of("control character", "team/a\u0001b"),
                Arguments.of("newline", "team/a\nb"),
                Arguments.of("DEL", "team/a\u007fb"),
                Arguments.of("non-ASCII", "team/\u00e4pp"),
                Arguments.of("leading hyphen", "-team/app"),
                Arguments.of("reserved first segment api", "api/app"),
                Arguments.of("reserved first segment -", "-/app"),
                Arguments.of("201 characters", "a".repeat(201)),
                Arguments.of("9 segments", "a/b/c/d/e/f/g/h/i"),
                Arguments.of("segment of 101 characters", "team/" + "b".repeat(101)),
                Arguments.of("ends in HEAD", "team/HEAD"),
                Arguments.of("ends in ws", "team/ws"),
                Arguments.of("ends in git-upload-pack", "team/git-upload-pack"),
                Arguments.of("ends in git-receive-pack", "git-receive-pack"),
                Arguments.of("ends in info/refs", "team/info/refs"),
                Arguments.of("is info/refs", "info/refs"),
                Arguments.of("ends in info/lfs", "team/info/lfs"),
                Arguments.of("ends in objects/pack", "team/objects/pack"),
                Arguments.of("ends in objects/info", "team/objects/info"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refused")
    void refusesWithAReason(String rule, String name) {
        InvalidRepoNameException e = assertThrows(InvalidRepoNameException.class, () -> RepoName.parse(name), rule);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), rule);
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("one segment", "app", "app"),
                Arguments.of("with .git in the URL", "team/app.git", "team/app"),
                Arguments.of("underscore first", "_x/app", "_x/app"),
                Arguments.of("dots, hyphens inside", "team/my.app-2_x", "team/my.app-2_x"),
                Arguments.of("200 characters", "a".repeat(100) + "/" + "b".repeat(99), "a".repeat(100) + "/"
                        + "b".repeat(99)),
                Arguments.of("8 segments", "a/b/c/d/e/f/g/h", "a/b/c/d/e/f/g/h"),
                Arguments.of("info alone stays a name", "team/info", "team/info"),
                Arguments.of("objects alone stays a name", "team/objects", "team/objects"),
                Arguments.of("api later is fine", "team/api", "team/api"),
                Arguments.of("case is kept", "Team/App", "Team/App"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("accepted")
    void acceptsAndKeepsTheName(String rule, String raw, String value) {
        RepoName name = RepoName.parse(raw);
        assertEquals(value, name.value(), rule);
        assertEquals(value + ".git", name.directory(), rule);
    }

    @Test
    void reservedEndingsAreNamedInTheMessage() {
        assertTrue(assertThrows(InvalidRepoNameException.class, () -> RepoName.parse("team/HEAD")).getMessage()
                .contains("'HEAD'"));
        assertTrue(assertThrows(InvalidRepoNameException.class, () -> RepoName.parse("team/info/lfs")).getMessage()
                .contains("'info/lfs'"));
        assertEquals("team/app", RepoName.parse("team/app").toString());
    }

    @Test
    void nullIsRefused() {
        assertThrows(InvalidRepoNameException.class, () -> RepoName.parse(null));
    }

    /** The fuzzer's repository-name branch is chosen by a last byte of 0; the rest is the name. */
    @Test
    void everyRefusedNameIsASeedOfTheFuzzer() throws Exception {
        for (Arguments a : refused().toList()) {
            String name = (String) a.get()[1];
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            byte[] seed = new byte[bytes.length + 1];
            System.arraycopy(bytes, 0, seed, 0, bytes.length);
            Path file = SEEDS.resolve("name-" + ((String) a.get()[0]).replaceAll("[^A-Za-z0-9]+", "-"));
            assertTrue(Files.exists(file), "no fuzzer seed " + file + " (write it with -Dgitfn.write-seeds=true)");
            if (!Boolean.getBoolean("gitfn.write-seeds")) {
                assertArrayEquals(seed, Files.readAllBytes(file), file.toString());
            }
        }
    }

    static {
        if (Boolean.getBoolean("gitfn.write-seeds")) {
            try {
                Files.createDirectories(SEEDS);
                for (Arguments a : refused().toList()) {
                    byte[] bytes = ((String) a.get()[1]).getBytes(StandardCharsets.UTF_8);
                    byte[] seed = java.util.Arrays.copyOf(bytes, bytes.length + 1);
                    Files.write(SEEDS.resolve("name-" + ((String) a.get()[0]).replaceAll("[^A-Za-z0-9]+", "-")), seed);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
