package dev.gitfn.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.gitfn.protocol.GitService;

/** The exec commands gitfn runs, and the ones it must not: what git sends, and what an attacker might. */
class GitCommandLineTest {

    @Test
    void gitsOwnCommandsInEveryFormGitSends() {
        assertEquals(Optional.of(new GitCommandLine(GitService.UPLOAD_PACK, "team/app.git")),
                GitCommandLine.parse("git-upload-pack '/team/app.git'"));
        assertEquals(Optional.of(new GitCommandLine(GitService.UPLOAD_PACK, "team/app.git")),
                GitCommandLine.parse("git-upload-pack 'team/app.git'")); // git@host:team/app.git
        assertEquals(Optional.of(new GitCommandLine(GitService.RECEIVE_PACK, "team/app.git")),
                GitCommandLine.parse("git-receive-pack '~/team/app.git'"));
        assertEquals(Optional.of(new GitCommandLine(GitService.RECEIVE_PACK, "app")),
                GitCommandLine.parse("git receive-pack 'app'"));
        assertEquals(Optional.of(new GitCommandLine(GitService.UPLOAD_PACK, "o'neil/app.git")),
                GitCommandLine.parse("git-upload-pack '/o'\\''neil/app.git'"), "sq_quote's escaped quote");
        assertEquals(Optional.of(new GitCommandLine(GitService.UPLOAD_PACK, "team/app.git")),
                GitCommandLine.parse("git-upload-pack /team/app.git"), "unquoted, as some clients send");
        assertEquals(Optional.of(new GitCommandLine(GitService.UPLOAD_PACK, "hi!/it's.git")),
                GitCommandLine.parse("git-upload-pack 'hi'\\!'/it'\\''s.git'"), "sq_quote's \\! and \\'");
        assertEquals(Optional.of(new GitCommandLine(GitService.UPLOAD_PACK, "!a")),
                GitCommandLine.parse("git-upload-pack \\!a"), "an escape first");
        String longest = "git-upload-pack '" + "a".repeat(4096 - "git-upload-pack ''".length()) + "'";
        assertEquals(4096, longest.length());
        assertTrue(GitCommandLine.parse(longest).isPresent(), "4096 characters are allowed");
        assertTrue(GitCommandLine.parse(longest + " ").isEmpty(), "4097 are not");
    }

    @Test
    void anythingElseIsRefused() {
        for (String command : new String[] {"ls", "sh", "git-upload-archive '/team/app.git'",
                "git-upload-pack", "git-upload-pack ''", "git-upload-pack '/a.git' '/b.git'",
                "git-upload-pack '/a.git'; rm -rf /", "git-upload-pack '/a.git", "git-upload-pack $(id)",
                "git-upload-pack `id`", "git-receive-pack '/a.git' && ls", "git-shell -c ls",
                "git upload-pack", "scp -t /tmp", "git-upload-pack\t'/a.git'x y", "git-upload-pack \"/a.git\"",
                "git-upload-pack '/" + "a".repeat(5000) + "'", "git-upload-pack a\\", "git-upload-pack 'a'\\",
                "git-upload-pack a\\x"}) {
            assertTrue(GitCommandLine.parse(command).isEmpty(), command);
        }
        assertTrue(GitCommandLine.parse(null).isEmpty());
    }

    @Test
    void theProtocolVersionComesFromGitProtocol() {
        assertEquals(2, GitSshCommand.version("version=2"));
        assertEquals(2, GitSshCommand.version("object-format=sha1:version=2"));
        assertEquals(1, GitSshCommand.version("version=1"));
        assertEquals(0, GitSshCommand.version(null));
        assertEquals(0, GitSshCommand.version("version=3"));
    }
}
