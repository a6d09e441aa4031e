package dev.gitfn.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.eclipse.jgit.errors.PackProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request-parsing guard in the test JVM (so mutation testing sees it): how many
 * lines a fetch or a push may send, which {@code deepen} numbers pass, and how slow or
 * long a request may be. Every refusal is git's {@code ERR} material: a
 * {@link PackProtocolException} naming the setting.
 */
class PktLineLimiterTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static String pkt(String line) {
        return String.format("%04x", line.length() + 4) + line;
    }

    private static byte[] fetch(String... lines) {
        StringBuilder b = new StringBuilder(pkt("command=fetch\n")).append("0001");
        for (String line : lines) {
            b.append(pkt(line + "\n"));
        }
        return b.append("0000").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static long drain(InputStream in, int chunk) throws IOException {
        return PushBoundsTest.drain(in, chunk);
    }

    private static InputStream forFetch(byte[] request, long maxLines) {
        return PktLineLimiter.forFetch(new ByteArrayInputStream(request), maxLines, MINUTE, null);
    }

    @Test
    void aFetchMaySendExactlyItsLinesAndNotOneMore() throws IOException {
        // command=fetch plus three haves: four lines; delimiter and flush do not count
        byte[] request = fetch("have 1", "have 2", "have 3");
        for (int chunk : new int[] {1, 3, 4096}) {
            assertEquals(request.length, drain(forFetch(request, 4), chunk), "chunk " + chunk);
            PackProtocolException e = assertThrows(PackProtocolException.class, () -> drain(forFetch(request, 3), chunk));
            assertEquals("too many lines in one request: more than 3 (gitfn.limits.max-negotiation-lines)",
                    e.getMessage());
        }
    }

    @Test
    void aPushCountsItsCommandsOnlyAndNamesItsOwnSetting() throws IOException {
        String command = "0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 ";
        byte[] push = (pkt(command + "refs/heads/a\0report-status\n") + pkt(command + "refs/heads/b\n") + "0000"
                + pkt("PACK-lines-after-the-flush-are-not-commands") + pkt("x") + pkt("y"))
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(push.length, drain(PktLineLimiter.forPush(new ByteArrayInputStream(push), 2, 1000, MINUTE, null),
                5));
        PackProtocolException e = assertThrows(PackProtocolException.class,
                () -> drain(PktLineLimiter.forPush(new ByteArrayInputStream(push), 1, 1000, MINUTE, null), 5));
        assertEquals("too many lines in one request: more than 1 (gitfn.limits.max-refs-per-push)", e.getMessage());
    }

    @Test
    void aFetchKeepsCountingPastAFlush() {
        // v0 negotiation sends several flush-ended rounds: every round's lines count
        byte[] rounds = (pkt("want 1\n") + "0000" + pkt("have 1\n") + "0000" + pkt("have 2\n") + pkt("done\n"))
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(PackProtocolException.class, () -> drain(forFetch(rounds, 3), 4096));
    }

    @Test
    void whatIsNotPktLineFramingIsLeftForJGit() throws IOException {
        // after a header that is no hex length nothing more is counted, framed or not
        byte[] garbage = ("zzzz" + pkt("have 1\n").repeat(10)).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(garbage.length, drain(forFetch(garbage, 1), 7));
        // length 3 is no pkt-line either (shorter than its own header)
        byte[] three = ("0003" + pkt("have 1\n").repeat(10)).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(three.length, drain(forFetch(three, 1), 7));
    }

    @Test
    void emptyLinesCountAsLines() {
        byte[] empties = ("0004".repeat(3) + "0000").getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(PackProtocolException.class, () -> drain(forFetch(empties, 2), 4096));
    }

    @Test
    void aPushWithNoRoomForAPackTakesItsCommandsOnly() throws IOException {
        byte[] commandsOnly = (pkt("0000000000000000000000000000000000000000 1111111111111111111111111111111111111111"
                + " refs/heads/main\n") + "0000").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(commandsOnly.length, drain(PktLineLimiter.forPush(new ByteArrayInputStream(commandsOnly), 10, 0,
                MINUTE, null), 4096));
        byte[] oneMore = java.util.Arrays.copyOf(commandsOnly, commandsOnly.length + 1);
        assertThrows(org.eclipse.jgit.errors.TooLargePackException.class, () -> drain(PktLineLimiter.forPush(
                new ByteArrayInputStream(oneMore), 10, 0, MINUTE, null), 4096));
    }

    @Test
    void readsIntoTheMiddleOfABufferCountTheSame() throws IOException {
        byte[] command = (pkt("0000000000000000000000000000000000000000 1111111111111111111111111111111111111111"
                + " refs/heads/main\n") + "0000").getBytes(StandardCharsets.ISO_8859_1);
        byte[] push = java.util.Arrays.copyOf(command, command.length + 1001);
        InputStream in = PktLineLimiter.forPush(new ByteArrayInputStream(push), 10, 1000, MINUTE, null);
        byte[] buffer = new byte[4096];
        assertThrows(org.eclipse.jgit.errors.TooLargePackException.class, () -> {
            while (in.read(buffer, 100, 300) > 0) {
                // reading at an offset, as BufferedInputStream does
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepen 1", "deepen 2147483647", "deepen-since 1700000000", "deepen-not refs/tags/v1",
        "deepen-relative"})
    void deepenNumbersJGitCanHoldPass(String line) throws IOException {
        byte[] request = fetch("want 1", line, "done");
        assertEquals(request.length, drain(forFetch(request, 100), 4096));
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepen 0", "deepen -1", "deepen 2147483648", "deepen 99999999999999999999",
        "deepen x", "deepen ", "deepen-since 0", "deepen-since 99999999999", "deepen-since -5"})
    void deepenNumbersJGitCannotHoldAreRefusedInGitsWords(String line) {
        for (int chunk : new int[] {1, 4096}) {
            PackProtocolException e = assertThrows(PackProtocolException.class,
                    () -> drain(forFetch(fetch("want 1", line, "done"), 100), chunk));
            String kind = line.startsWith("deepen-since") ? "deepen-since" : "deepen";
            assertEquals("Invalid " + kind + ": " + line, e.getMessage());
        }
    }

    @Test
    void aPushsDeepenLikeLinesAreNotChecked() throws IOException {
        // only fetches negotiate depth; a push's first line is never a deepen request
        byte[] push = (pkt("deepen 0\n") + "0000").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(push.length, drain(PktLineLimiter.forPush(new ByteArrayInputStream(push), 10, 10, MINUTE, null),
                4096));
    }

    @Test
    void aRequestPastItsTimeIsCutOff() throws Exception {
        InputStream in = PktLineLimiter.forFetch(new ByteArrayInputStream(fetch("have 1", "have 2")), 100,
                Duration.ofMillis(50), null);
        assertEquals(1, in.read(new byte[1], 0, 1));
        Thread.sleep(80);
        PackProtocolException e = assertThrows(PackProtocolException.class, () -> in.read(new byte[10], 0, 10));
        assertTrue(e.getMessage().contains("(gitfn.limits.max-request-time)"), e.getMessage());
    }

    @Test
    void aRequestSlowerThanTheMinimumRateIsCutOffOnlyAfterItsGrace() throws Exception {
        byte[] request = fetch("have 1", "have 2", "have 3");
        PktLineLimiter.MinimumRate rate = new PktLineLimiter.MinimumRate(1_000_000, Duration.ofMillis(100));
        InputStream slow = PktLineLimiter.forFetch(new ByteArrayInputStream(request), 100, MINUTE, rate);
        assertEquals(4, slow.read(new byte[4], 0, 4)); // within the grace: a trickle is fine
        Thread.sleep(150);
        PackProtocolException e = assertThrows(PackProtocolException.class, () -> slow.read(new byte[4], 0, 4));
        assertEquals("request arrives slower than 1000000 bytes/s (gitfn.limits.min-request-rate)", e.getMessage());

        // the same bytes at once pass: the rate is what was sent over the time taken
        InputStream fast = PktLineLimiter.forFetch(new ByteArrayInputStream(request), 100, MINUTE,
                new PktLineLimiter.MinimumRate(1, Duration.ZERO));
        assertEquals(request.length, drain(fast, 4096));
    }

    @Test
    void singleByteReadsAndSkipsAreWatchedToo() throws IOException {
        byte[] request = fetch("have 1", "have 2");
        InputStream in = forFetch(request, 2);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        PackProtocolException e = assertThrows(PackProtocolException.class, () -> {
            for (int b; (b = in.read()) >= 0;) {
                seen.write(b);
            }
        });
        assertTrue(e.getMessage().startsWith("too many lines"), e.getMessage());
        assertTrue(seen.size() < request.length);

        InputStream skipping = forFetch(request, 2);
        assertThrows(PackProtocolException.class, () -> {
            while (skipping.skip(3) > 0) {
                // skipped bytes are read, and counted
            }
        });
        InputStream bytes = forFetch(request, 10);
        for (byte expected : request) {
            assertEquals(expected & 0xff, bytes.read(), "read() answers the byte, unsigned");
        }
        assertEquals(-1, bytes.read());
        InputStream whole = forFetch(request, 10);
        long skipped = 0;
        for (long n; (n = whole.skip(5)) > 0;) {
            assertTrue(n <= 5);
            skipped += n;
        }
        assertEquals(request.length, skipped);
        assertEquals(-1, whole.read());
    }
}
