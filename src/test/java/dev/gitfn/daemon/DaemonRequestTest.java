package dev.gitfn.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** git daemon's request line as git sends it (v0 and v2), and lines it does not. */
class DaemonRequestTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesWhatGitSends() {
        assertEquals(Optional.of(new GitDaemon.Request("git-upload-pack", "/team/app.git", 0)),
                GitDaemon.Request.parse(bytes("git-upload-pack /team/app.git\0host=localhost:9418\0")));
        assertEquals(Optional.of(new GitDaemon.Request("git-upload-pack", "/team/app.git", 2)),
                GitDaemon.Request.parse(bytes("git-upload-pack /team/app.git\0host=localhost\0\0version=2\0")));
        assertEquals(Optional.of(new GitDaemon.Request("git-receive-pack", "/a.git", 0)),
                GitDaemon.Request.parse(bytes("git-receive-pack /a.git\n")));
        assertEquals(0, GitDaemon.Request.parse(bytes("git-upload-pack /a.git\0version=2\0")).get().version(),
                "version=2 counts only after the empty field, as git daemon reads it");
    }

    @Test
    void refusesMalformedLines() {
        assertEquals(1, GitDaemon.Request.parse(bytes("git-upload-pack /a.git\0host=x\0\0version=1\0")).get()
                .version());
        assertEquals(2, GitDaemon.Request.parse(bytes("git-upload-pack /a.git\0host=x\0\0version=2\0version=1\0"))
                .get().version(), "v2 wins over v1");
        assertEquals(2, GitDaemon.Request.parse(bytes("git-upload-pack /a.git\0host=x\0\0version=1\0version=2\0"))
                .get().version());
        assertEquals(0, GitDaemon.Request.parse(bytes("git-upload-pack /a.git\0host=x\0\0version=3\0")).get()
                .version());
        for (String line : new String[] {"", "git-upload-pack", "git-upload-pack ", " /a.git", "x\ny /a.git",
                "\ngit-upload-pack /a.git", "git-upload-pack /a\n.git"}) {
            assertTrue(GitDaemon.Request.parse(bytes(line)).isEmpty(), line);
        }
    }

    @Test
    void lineLengthsAreFourHexDigits() {
        assertEquals(0x32, GitDaemon.lineLength(Buffer.buffer("0032git-upload-pack")));
        assertEquals(-1, GitDaemon.lineLength(Buffer.buffer("GET / HTTP/1.1")));
        assertEquals(-1, GitDaemon.lineLength(Buffer.buffer("00x1")));
    }
}
