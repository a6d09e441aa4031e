package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Ssh;
import dev.gitfn.support.TestDirs;

/** The keys a user may register, checked against what OpenSSH's own tools make and print. */
class SshPublicKeyTest {

    private static String fingerprintBySshKeygen(Path key) throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub").start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return out.split(" ")[1];
    }

    /** {@code prefix} followed by one SSH string. */
    private static byte[] sshString(byte[] prefix, String value) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(prefix);
        byte[] v = value.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        new java.io.DataOutputStream(out).writeInt(v.length);
        out.write(v);
        return out.toByteArray();
    }

    @Test
    void acceptsEd25519EcdsaAndRsaOf2048BitsWithOpenSshsFingerprint() throws Exception {
        Ssh ssh = new Ssh(TestDirs.fresh("ssh-keys"));
        for (String[] kind : new String[][] {{"ed25519", "0"}, {"ecdsa", "256"}, {"ecdsa", "521"}, {"rsa", "2048"}}) {
            Path key = ssh.newKey(kind[0] + kind[1], kind[0], Integer.parseInt(kind[1]));
            SshPublicKey parsed = SshPublicKey.parse(Ssh.publicLine(key));
            assertEquals(fingerprintBySshKeygen(key), parsed.fingerprint(), kind[0]);
            assertEquals(kind[0] + kind[1] + "@test", parsed.comment());
            assertEquals(parsed.sha256Hex(), SshPublicKey.ofBlob(parsed.blob()).sha256Hex());
            assertTrue(Ssh.publicLine(key).startsWith(parsed.line()));
        }
    }

    @Test
    void refusesShortRsaUnknownTypesAndForgedLines() throws Exception {
        Ssh ssh = new Ssh(TestDirs.fresh("ssh-keys-bad"));
        String rsa1024 = Ssh.publicLine(ssh.newKey("rsa1024", "rsa", 1024));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse(rsa1024)).getMessage()
                .contains("2048"));
        String ed = Ssh.publicLine(ssh.newKey("ed"));
        String blob = ed.split(" ")[1];
        byte[] raw = Base64.getDecoder().decode(blob);
        String[] bad = {null, "", "ssh-ed25519", "ssh-ed25519 !!!notbase64", "ssh-rsa " + blob,
                "ssh-dss " + blob, "ssh-ed25519 " + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(raw, raw.length - 1)),
                "ssh-ed25519 " + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(raw, raw.length + 3)),
                ed + "\nssh-ed25519 " + blob, "ssh-ed25519 " + "A".repeat(20000)};
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse("\n" + ed));
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse("\r" + ed));
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse(ed + "\r"));
        String padded = ed + " " + "c".repeat(16 * 1024 - ed.length() - 1);
        assertEquals(16 * 1024, padded.length());
        assertEquals(ed.split(" ")[1], java.util.Base64.getEncoder().encodeToString(SshPublicKey.parse(padded).blob()),
                "a line of exactly 16 KiB is allowed");
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse(padded + "c"));
        // A blob as a transport hands it over is checked as a line is.
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.ofBlob(java.util.Arrays.copyOf(raw,
                raw.length - 1)));
        assertThrows(IllegalArgumentException.class, () -> SshPublicKey.ofBlob(new byte[] {0, 0, 0, 1}));
        byte[] emptyPoint = sshString(sshString(sshString(new byte[0], "ecdsa-sha2-nistp256"), "nistp256"), "");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SshPublicKey.ofBlob(emptyPoint)).getMessage()
                .contains("needs its point"));
        for (String line : bad) {
            assertThrows(IllegalArgumentException.class, () -> SshPublicKey.parse(line), String.valueOf(line));
        }
    }
}
