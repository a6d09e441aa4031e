package dev.gitfn.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import dev.gitfn.cache.RepoName;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;

/**
 * git's smart protocol over a request/response transport ("stateless RPC"):
 * the advertisement, then one upload-pack or receive-pack exchange per call.
 * It talks to repositories through the {@link RepositoryCache}, never to the
 * store. All methods block; call them from worker threads.
 */
@ApplicationScoped
public class SmartProtocol {
    private final RepositoryCache cache;

    public SmartProtocol(RepositoryCache cache) {
        this.cache = cache;
    }

    /**
     * Writes the {@code --advertise-refs} answer: for v0/v1 the service line
     * and the refs, for v2 (asked for in {@code gitProtocol}, the value of the
     * {@code Git-Protocol} header) the capability list.
     */
    public void advertise(CachedRepo repo, GitService service, String gitProtocol, OutputStream out)
            throws IOException {
        PacketLineOut pckOut = new PacketLineOut(out);
        PacketLineOutRefAdvertiser adv = new PacketLineOutRefAdvertiser(pckOut);
        if (service == GitService.UPLOAD_PACK) {
            UploadPack up = newUploadPack(repo, gitProtocol);
            try {
                up.sendAdvertisedRefs(adv, service.serviceName());
            } finally {
                up.getRevWalk().close();
            }
        } else {
            pckOut.writeString("# service=" + service.serviceName() + "\n");
            pckOut.end();
            ReceivePack rp = new ReceivePack(repo.repository());
            rp.setBiDirectionalPipe(false);
            rp.setAllowPushOptions(true);
            rp.sendAdvertisedRefs(adv);
        }
        out.flush();
    }

    /** Serves one fetch request: negotiation and, when the client is ready, the pack. */
    public void uploadPack(CachedRepo repo, String gitProtocol, InputStream in, OutputStream out)
            throws IOException {
        try (UploadPack up = newUploadPack(repo, gitProtocol)) {
            up.uploadWithExceptionPropagation(in, out, null);
        }
    }

    /** Receives one push: commands, pack, checks, then the store commit; writes git's status report. */
    public void receivePack(RepoName name, InputStream in, OutputStream out) throws IOException {
        cache.push(name, session -> {
            StoreReceivePack rp = new StoreReceivePack(session);
            rp.setBiDirectionalPipe(false);
            rp.receiveWithExceptionPropagation(in, out, null);
            return null;
        });
    }

    private static UploadPack newUploadPack(CachedRepo repo, String gitProtocol) {
        UploadPack up = new UploadPack(repo.repository());
        up.setBiDirectionalPipe(false);
        if (gitProtocol != null && !gitProtocol.isBlank()) {
            up.setExtraParameters(Arrays.asList(gitProtocol.split(":")));
        }
        return up;
    }
}
