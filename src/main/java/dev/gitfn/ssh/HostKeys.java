package dev.gitfn.ssh;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.Optional;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;

import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * The one host key every instance presents, so {@code known_hosts} holds wherever a
 * connection lands: from a configured file (a Kubernetes Secret), or generated once into
 * the store by whichever instance starts first, under a create-only write that every
 * other instance loses to and then reads.
 */
final class HostKeys {
    private HostKeys() {
    }

    static KeyPair load(Optional<Path> configured, BlobStore store) throws IOException, GeneralSecurityException {
        if (configured.isPresent()) {
            try (InputStream in = Files.newInputStream(configured.get())) {
                return parse(configured.get().toString(), in);
            }
        }
        String key = StoreLayout.sshHostKeyKey();
        Optional<Versioned> stored = store.get(key);
        if (stored.isEmpty()) {
            KeyPair generated = KeyUtils.generateKeyPair(KeyPairs.ED25519, 256);
            ByteArrayOutputStream pem = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(generated, "gitfn", null, pem);
            try {
                store.putIfMatch(key, pem.toByteArray(), null);
                return generated;
            } catch (PreconditionFailedException lost) {
                stored = store.get(key); // another instance wrote it first: use theirs
            }
        }
        return parse(key, new ByteArrayInputStream(stored.orElseThrow(
                () -> new IOException("the SSH host key vanished from the store")).data()));
    }

    private static KeyPair parse(String name, InputStream in) throws IOException, GeneralSecurityException {
        Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(name), in, null);
        Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
        if (it == null || !it.hasNext()) {
            throw new IOException("no private key in " + name);
        }
        return it.next();
    }

    /** Key type names as OpenSSH writes them. */
    static final class KeyPairs {
        static final String ED25519 = "ssh-ed25519";

        private KeyPairs() {
        }
    }
}
