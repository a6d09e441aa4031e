package dev.gitfn.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import org.eclipse.jgit.errors.PackProtocolException;

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
    private int headerBytes;
    private long payloadLeft;
    private long lines;
    private boolean watching = true;

    private final long started = System.nanoTime();
    private final MinimumRate minimumRate;
    private long bytes;

    /**
     * The slowest a one-shot request body may arrive, on average, once {@code after} has
     * passed; {@code null} where the client waits for the server in between (the tunnel).
     */
    record MinimumRate(long bytesPerSecond, Duration after) {
    }

    private PktLineLimiter(InputStream in, long maxLines, String limitName, boolean commandsOnly, Duration maxTime,
            MinimumRate minimumRate) {
        super(in);
        this.maxLines = maxLines;
        this.limitName = limitName;
        this.commandsOnly = commandsOnly;
        this.maxTime = maxTime;
        this.deadline = System.nanoTime() + maxTime.toNanos();
        this.minimumRate = minimumRate;
    }

    /** A fetch: every line of the request counts. */
    static InputStream forFetch(InputStream in, long maxLines, Duration maxTime, MinimumRate minimumRate) {
        return new PktLineLimiter(in, maxLines, "gitfn.limits.max-negotiation-lines", false, maxTime, minimumRate);
    }

    /** A push: the ref updates (and shallow lines) before the first flush count; the pack does not. */
    static InputStream forPush(InputStream in, long maxRefs, Duration maxTime, MinimumRate minimumRate) {
        return new PktLineLimiter(in, maxRefs, "gitfn.limits.max-refs-per-push", true, maxTime, minimumRate);
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
            scan(b, off, n);
        }
        return n;
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

    private void scan(byte[] b, int off, int n) throws IOException {
        int i = off;
        int end = off + n;
        while (i < end && watching) {
            if (payloadLeft > 0) {
                int step = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= step;
                i += step;
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
                if (++lines > maxLines) {
                    throw new PackProtocolException("too many lines in one request: more than " + maxLines + " ("
                            + limitName + ")");
                }
            }
            // 1 and 2 are v2's delimiter and response-end packets: no payload, not counted
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
