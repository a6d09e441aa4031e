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

import org.eclipse.jgit.errors.TooLargePackException;
import org.junit.jupiter.api.Test;

/** The push request's bound on what follows its commands: exactly the limit passes, one byte more fails. */
class PushBoundsTest {
    private static final String COMMAND = "0000000000000000000000000000000000000000 "
            + "1111111111111111111111111111111111111111 refs/heads/main\0report-status\n";

    private static byte[] push(int packBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] line = COMMAND.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(String.format("%04x", line.length + 4).getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(line);
        out.writeBytes("0000".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(new byte[packBytes]);
        return out.toByteArray();
    }

    /** Reads {@code in} to its end in reads of {@code chunk} bytes; answers how many it read. */
    static long drain(InputStream in, int chunk) throws IOException {
        byte[] buffer = new byte[chunk];
        long total = 0;
        for (int n; (n = in.read(buffer, 0, chunk)) > 0;) {
            total += n;
        }
        return total;
    }

    @Test
    void thePackMayBeExactlyTheLimitAndNotOneByteMore() throws IOException {
        for (int chunk : new int[] {1, 7, 8192}) {
            byte[] atLimit = push(1000);
            assertEquals(atLimit.length, drain(PktLineLimiter.forPush(new ByteArrayInputStream(atLimit), 10, 1000,
                    Duration.ofMinutes(1), null), chunk), "chunk " + chunk);
            TooLargePackException over = assertThrows(TooLargePackException.class, () -> drain(
                    PktLineLimiter.forPush(new ByteArrayInputStream(push(1001)), 10, 1000, Duration.ofMinutes(1),
                            null), chunk), "chunk " + chunk);
            assertTrue(over.getMessage().replace(",", "").contains("limit of 1000 bytes"), over.getMessage());
        }
    }

    @Test
    void theCommandsDoNotCountTowardsThePack() throws IOException {
        // The command line alone is longer than the pack limit, and passes.
        byte[] request = push(10);
        assertEquals(request.length, drain(PktLineLimiter.forPush(new ByteArrayInputStream(request), 10, 10,
                Duration.ofMinutes(1), null), 4096));
    }
}
