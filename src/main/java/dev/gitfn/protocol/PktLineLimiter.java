package dev.gitfn.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.errors.TooLargePackException;

/**
 * Counts the pkt-lines of a request as JGit reads them and stops a request that
 * sends too many (a million {@code have} lines, a hundred thousand ref
 * updates) or takes too long to arrive, before JGit has parsed them all into
 * memory. It only watches: malformed framing is left for JGit to report.
 * For a push it counts the first section (the commands) and then lets the
 * pack through uncounted. Refusals are {@link PackProtocolException}s, which
 * JGit reports to the client (on the side-band, once it is open) before ending.
 */
final class PktLineLimiter extends FilterInputStream {
    private final long maxLines;
    private final String limitName;
    private final boolean commandsOnly;
    private final long deadline;
    private final Duration maxTime;
    private final byte[] header = new byte[4];
    /** The start of the current line, enough to check the numbers of {@code deepen} lines. */
    private final byte[] lineStart = new byte[48];
    private int lineStartBytes;
    private int headerBytes;
    private long payloadLeft;
    private long lines;
    private boolean watching = true;

    private final long started = System.nanoTime();
    private final MinimumRate minimumRate;
    private long bytes;
    /** A push's bound on what follows its commands (options and the pack); -1 for none. */
    private final long maxAfterCommands;
    private long afterCommands;

    /**
     * The slowest a one-shot request body may arrive, on average, once {@code after} has
     * passed; {@code null} where the client waits for the server in between (the tunnel).
     */
    record MinimumRate(long bytesPerSecond, Duration after) {
    }

    private PktLineLimiter(InputStream in, long maxLines, String limitName, boolean commandsOnly, Duration maxTime,
            MinimumRate minimumRate, long maxAfterCommands) {
        super(in);
        this.maxAfterCommands = maxAfterCommands;
        this.maxLines = maxLines;
        this.limitName = limitName;
        this.commandsOnly = commandsOnly;
        this.maxTime = maxTime;
        this.deadline = System.nanoTime() + maxTime.toNanos();
        this.minimumRate = minimumRate;
    }

    /** A fetch: every line of the request counts. */
    static InputStream forFetch(InputStream in, long maxLines, Duration maxTime, MinimumRate minimumRate) {
        return new PktLineLimiter(in, maxLines, "gitfn.limits.max-negotiation-lines", false, maxTime, minimumRate,
                -1);
    }

    /**
     * A push: the ref updates (and shallow lines) before the first flush count as lines;
     * what follows them (push options, the pack) may be {@code maxPack} bytes. Past that
     * the read fails with JGit's own {@link TooLargePackException}, which JGit reports to
     * git as an unpack error (JGit's limit alone would end the stream early and call the
     * pack truncated).
     */
    static InputStream forPush(InputStream in, long maxRefs, long maxPack, Duration maxTime,
            MinimumRate minimumRate) {
        return new PktLineLimiter(in, maxRefs, "gitfn.limits.max-refs-per-push", true, maxTime, minimumRate,
                maxPack);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (System.nanoTime() - deadline > 0) {
            throw new PackProtocolException("request took longer than " + maxTime.toSeconds()
                    + " s to arrive (gitfn.limits.max-request-time)");
        }
        int n = super.read(b, off, len);
        if (n > 0) {
            bytes += n;
            checkRate();
        }
        if (n > 0 && watching) {
            int commandBytes = scan(b, off, n);
            countAfterCommands(n - commandBytes);
        } else if (n > 0) {
            countAfterCommands(n);
        }
        return n;
    }

    private void countAfterCommands(int n) throws TooLargePackException {
        afterCommands += n;
        if (maxAfterCommands >= 0 && afterCommands > maxAfterCommands) {
            throw new TooLargePackException(maxAfterCommands);
        }
    }

    private void checkRate() throws IOException {
        if (minimumRate == null) {
            return;
        }
        long elapsed = System.nanoTime() - started;
        if (elapsed > minimumRate.after().toNanos()
                && bytes * 1_000_000_000L / elapsed < minimumRate.bytesPerSecond()) {
            throw new PackProtocolException("request arrives slower than " + minimumRate.bytesPerSecond()
                    + " bytes/s (gitfn.limits.min-request-rate)");
        }
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }

    /** Scans the lines of {@code b}; returns how many of its bytes were still being watched. */
    private int scan(byte[] b, int off, int n) throws IOException {
        int i = off;
        int end = off + n;
        while (i < end && watching) {
            if (payloadLeft > 0) {
                int step = (int) Math.min(payloadLeft, end - i);
                int keep = Math.min(step, lineStart.length - lineStartBytes);
                System.arraycopy(b, i, lineStart, lineStartBytes, keep);
                lineStartBytes += keep;
                payloadLeft -= step;
                i += step;
                if (payloadLeft == 0 && !commandsOnly) {
                    checkDeepen();
                }
                continue;
            }
            header[headerBytes++] = b[i++];
            if (headerBytes < 4) {
                continue;
            }
            headerBytes = 0;
            int length = parseHex();
            if (length < 0 || length == 3) {
                watching = false; // not pkt-line framing: JGit will say so
            } else if (length == 0) {
                if (commandsOnly) {
                    watching = false; // end of the commands: what follows is options and the pack
                }
            } else if (length >= 4) {
                payloadLeft = length - 4;
                lineStartBytes = 0;
                if (++lines > maxLines) {
                    throw new PackProtocolException("too many lines in one request: more than " + maxLines + " ("
                            + limitName + ")");
                }
            }
            // 1 and 2 are v2's delimiter and response-end packets: no payload, not counted
        }
        return i - off;
    }

    /**
     * {@code deepen <n>} and {@code deepen-since <time>} with numbers JGit cannot hold
     * are refused in git's words, before JGit trips over them.
     */
    private void checkDeepen() throws PackProtocolException {
        String line = new String(lineStart, 0, lineStartBytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (line.endsWith("\n")) {
            line = line.substring(0, line.length() - 1);
        }
        String kind = line.startsWith("deepen ") ? "deepen" : line.startsWith("deepen-since ") ? "deepen-since" : null;
        if (kind == null) {
            return;
        }
        String value = line.substring(kind.length() + 1);
        boolean valid;
        try {
            valid = Integer.parseInt(value) > 0;
        } catch (NumberFormatException e) {
            valid = false;
        }
        if (!valid) {
            throw new PackProtocolException("Invalid " + kind + ": " + line);
        }
    }

    private int parseHex() {
        int value = 0;
        for (byte c : header) {
            int digit = Character.digit(c, 16);
            if (digit < 0) {
                return -1;
            }
            value = value * 16 + digit;
        }
        return value;
    }
}
