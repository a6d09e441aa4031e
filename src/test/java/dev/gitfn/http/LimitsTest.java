package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Git.Result;
import dev.gitfn.support.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Each limit refuses what exceeds it with a message git shows, and the repository is unchanged. */
@QuarkusTest
@TestProfile(LimitsTest.SmallLimits.class)
class LimitsTest extends PushedRepoTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.limits.max-pack-size", "1M", "gitfn.limits.max-object-size", "512K",
                    "gitfn.limits.max-inflated-request", "64K", "quarkus.http.limits.max-body-size", "4M",
                    "gitfn.cache.dir", "target/test-data/cache-limits", "gitfn.limits.max-refs-per-push", "20",
                    "gitfn.limits.max-negotiation-lines", "500000", "gitfn.limits.max-request-time", "3s",
                    "quarkus.http.read-timeout", "2s",
                    "gitfn.limits.pack-too-large-hint", "push large files with Git LFS, or to https://big.example/");
        }
    }

    @Test
    void objectLargerThanTheLimitIsRefused() throws Exception {
        git.commitRandomFile(src, "big-object.bin", 700 * 1024);
        Result push = git.run(src, "push", url, "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("unpack") && push.err().toLowerCase().contains("object"), push.err());
        assertEquals(refsBefore, git.lsRemote(src, url));
    }

    @Test
    void packLargerThanTheLimitIsRefused() throws Exception {
        for (int i = 0; i < 4; i++) {
            git.commitRandomFile(src, "part-" + i + ".bin", 400 * 1024); // each object fits, the pack does not
        }
        Result push = git.run(src, "push", url, "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("unpack") && push.err().toLowerCase().contains("pack"), push.err());
        // git is told the limit and where such a push can go (as "remote:" lines)
        assertTrue(push.err().contains("remote: this server accepts packs up to 1048576 bytes"), push.err());
        assertTrue(push.err().contains("remote: push large files with Git LFS, or to https://big.example/"),
                push.err());
        assertEquals(refsBefore, git.lsRemote(src, url));
    }

    @Test
    void bodyLargerThanTheLimitIs413() throws Exception {
        HttpResponse<String> r = Http.send("POST", URI.create(url + "/git-receive-pack"),
                Map.of("Content-Type", "application/x-git-receive-pack-request"), new byte[5 * 1024 * 1024]);
        assertEquals(413, r.statusCode());
        assertEquals(refsBefore, git.lsRemote(src, url));
    }

    @Test
    void decompressionBombIsStopped() throws Exception {
        // A want, then 10 MB of identical "have" lines: a few kilobytes once gzipped.
        String head = git.revParse(src, "HEAD");
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bomb)) {
            gz.write(("0032want " + head + "\n0000").getBytes());
            byte[] haves = ("0032have " + "1".repeat(40) + "\n").repeat(1000).getBytes();
            for (int i = 0; i < 200; i++) {
                gz.write(haves);
            }
            gz.write("0009done\n".getBytes());
        }
        assertTrue(bomb.size() < 64 * 1024, "the bomb is small on the wire: " + bomb.size());
        HttpResponse<String> r = Http.send("POST", URI.create(url + "/git-upload-pack"),
                Map.of("Content-Type", "application/x-git-upload-pack-request", "Content-Encoding", "gzip"),
                bomb.toByteArray());
        boolean refused = r.statusCode() >= 400 || r.body().contains("ERR ");
        assertTrue(refused && r.body().contains("max-inflated-request"), r.statusCode() + " " + r.body());
        git.ok(src, "ls-remote", url);
    }

    @Test
    void tooManyRefsInOnePushAreRefused() {
        String[] args = new String[27];
        args[0] = "push";
        args[1] = url;
        for (int i = 0; i < 25; i++) {
            args[i + 2] = "main:refs/heads/many-" + i;
        }
        Result push = git.run(src, args);
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("max-refs-per-push"), push.err());
        assertEquals(refsBefore, git.lsRemote(src, url));
        git.ok(src, "push", url, "main:refs/heads/just-one"); // a normal push still works
    }

    @Test
    void aRequestDribbledSlowerThanTheTimeLimitIsCut() throws Exception {
        URI target = URI.create(url + "/git-receive-pack");
        String zero = "0".repeat(40);
        String command = zero + " " + git.revParse(src, "HEAD") + " refs/heads/slow\0 report-status\n";
        String pkt = String.format("%04x", command.length() + 4) + command;
        try (Socket socket = new Socket(target.getHost(), target.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + target.getPath() + " HTTP/1.1\r\nHost: " + target.getAuthority()
                    + "\r\nContent-Type: application/x-git-receive-pack-request\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes());
            chunk(out, (pkt + "0000").getBytes());
            byte[] packHeader = "PACK\0\0\0\2\0\0\0\1".getBytes();
            for (int i = 0; i < 7; i++) { // then the pack, a byte a second: it never comes in time
                Thread.sleep(1000);
                chunk(out, new byte[] {packHeader[i]});
            }
            chunk(out, new byte[0]);
            String answer = new String(socket.getInputStream().readAllBytes());
            assertTrue(answer.contains("max-request-time"), answer.replace("\r", "\\r").replace("\n", "\\n"));
        }
        assertEquals(refsBefore, git.lsRemote(src, url));
    }

    @Test
    void aStalledRequestBodyIsCutByTheReadTimeout() throws Exception {
        URI target = URI.create(url + "/git-receive-pack");
        String command = "0".repeat(40) + " " + git.revParse(src, "HEAD") + " refs/heads/stalled\0 report-status\n";
        String pkt = String.format("%04x", command.length() + 4) + command;
        long start = System.nanoTime();
        try (Socket socket = new Socket(target.getHost(), target.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + target.getPath() + " HTTP/1.1\r\nHost: " + target.getAuthority()
                    + "\r\nContent-Type: application/x-git-receive-pack-request\r\n"
                    + "Content-Length: 100000\r\nConnection: close\r\n\r\n" + pkt).getBytes());
            out.flush(); // and then nothing: the rest of the promised body never comes
            socket.getInputStream().readAllBytes(); // returns once the server gives up on us
        }
        long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(seconds < 20, "the server waited " + seconds + " s for a stalled body");
        assertEquals(refsBefore, git.lsRemote(src, url));
    }

    private static void chunk(OutputStream out, byte[] data) throws java.io.IOException {
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes());
        out.write(data);
        out.write("\r\n".getBytes());
        out.flush();
    }
}
