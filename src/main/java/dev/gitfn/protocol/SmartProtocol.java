package dev.gitfn.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.jgit.errors.UnpackException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

import org.jboss.logging.Logger;

import dev.gitfn.auth.RepoAccess;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.PackIntegrity;
import dev.gitfn.cache.Pusher;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.config.GitfnConfig;

/**
 * git's smart protocol over a request/response transport ("stateless RPC"):
 * the advertisement, then one upload-pack or receive-pack exchange per call.
 * It talks to repositories through the {@link RepositoryCache}, never to the
 * store. All methods block; call them from worker threads.
 */
@ApplicationScoped
public class SmartProtocol {
    private static final Logger LOG = Logger.getLogger(SmartProtocol.class);
    private final RepositoryCache cache;
    private final GitfnConfig.Limits limits;
    private final java.util.Optional<Long> defaultQuota;

    private final dev.gitfn.audit.AuditLog audit;
    private final dev.gitfn.lfs.LfsLocks lfsLocks;

    public SmartProtocol(RepositoryCache cache, GitfnConfig config, dev.gitfn.audit.AuditLog audit,
            dev.gitfn.lfs.LfsLocks lfsLocks) {
        this.cache = cache;
        this.audit = audit;
        this.lfsLocks = lfsLocks;
        this.limits = config.limits();
        this.defaultQuota = config.repos().defaultQuotaBytes();
    }

    /**
     * Writes the {@code --advertise-refs} answer: for v0/v1 the service line
     * and the refs, for v2 (asked for in {@code gitProtocol}, the value of the
     * {@code Git-Protocol} header) the capability list.
     */
    public void advertise(CachedRepo repo, GitService service, String gitProtocol, OutputStream out,
            PackUris offload) throws IOException {
        PacketLineOut pckOut = new PacketLineOut(out);
        if (service == GitService.UPLOAD_PACK && isV2(gitProtocol)) {
            // The capability list is a few lines: written whole, with ls-refs offering unborn.
            java.io.ByteArrayOutputStream caps = new java.io.ByteArrayOutputStream();
            UploadPack up = newUploadPack(repo, gitProtocol);
            OffloadedPacks.offer(up, repo, offload); // v2 lists packfile-uris
            try {
                up.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(new PacketLineOut(caps)), service.serviceName());
            } finally {
                up.getRevWalk().close();
            }
            out.write(UnbornHead.advertised(caps.toByteArray()));
        } else if (service == GitService.UPLOAD_PACK) {
            PacketLineOutRefAdvertiser adv = new PacketLineOutRefAdvertiser(pckOut);
            UploadPack up = newUploadPack(repo, gitProtocol);
            OffloadedPacks.offer(up, repo, offload);
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
            rp.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(pckOut));
        }
        out.flush();
    }

    /**
     * Serves one fetch request: negotiation and, when the client is ready, the pack. A
     * protocol v2 client that accepts {@code packfile-uris} is sent the URI of the
     * repository's bitmapped pack instead of its bytes where {@code offload} has one.
     */
    public void uploadPack(CachedRepo repo, String gitProtocol, InputStream in, OutputStream out, PackUris offload)
            throws IOException {
        TrackingOutputStream tracked = new TrackingOutputStream(out);
        InputStream limited = new java.io.BufferedInputStream(fetchRequest(in, oneShotRate()));
        reportingErrors("upload-pack", repo.name(), tracked, () -> {
            // In v2, gitfn reads two requests itself first: ls-refs (for unborn) and a fetch with
            // deepen-relative; everything else passes as it came.
            java.util.Optional<UnbornHead.LsRefs> lsRefs = isV2(gitProtocol) ? UnbornHead.read(limited)
                    : java.util.Optional.empty();
            InputStream body = lsRefs.isPresent() ? new java.io.ByteArrayInputStream(lsRefs.get().forJGit())
                    : isV2(gitProtocol) ? RelativeDeepening.rewrite(limited, repo.repository()) : limited;
            RequestHead request = new RequestHead(body);
            if (lsRefs.isPresent()) {
                // git's server names an unborn HEAD first; JGit then lists the refs that exist.
                java.util.Optional<String> unborn = lsRefs.get().line(repo.state());
                if (unborn.isPresent()) {
                    tracked.write(PktLines.of(unborn.get()));
                }
            }
            try (UploadPack up = newUploadPack(repo, gitProtocol)) {
                OffloadedPacks.offer(up, repo, offload);
                up.uploadWithExceptionPropagation(request, tracked, null);
            } catch (EOFException e) {
                // In stateless v0 a client asking for deepen-since/deepen-not sends no "done":
                // it reads the shallow list just written and asks again. JGit expects that
                // only for --depth, so finish the answer here as it does for --depth.
                if (!tracked.written() || !(request.contains("deepen-since ") || request.contains("deepen-not "))) {
                    throw e;
                }
            }
            if (!tracked.written() && request.is("0000") && request.read() < 0) {
                return; // git's probe before a chunked request: an empty answer, as http-backend gives
            }
            if (!tracked.written()) {
                // JGit takes a request that ends before its first line for a client that
                // left; over HTTP it is an empty or truncated body, and git deserves a word.
                throw new EOFException("empty or truncated request: no complete want line");
            }
        });
    }

    /** Receives one push: commands, pack, checks, then the store commit; writes git's status report. */
    public void receivePack(RepoName name, RepoAccess rules, Pusher pusher, InputStream in, OutputStream out)
            throws IOException {
        TrackingOutputStream tracked = new TrackingOutputStream(out);
        reportingErrors("receive-pack", name, tracked, () -> receive(name, rules, pusher, false, in, tracked));
    }

    /** One-shot HTTP bodies must keep arriving; a tunnel's client legitimately waits for the server. */
    private PktLineLimiter.MinimumRate oneShotRate() {
        return new PktLineLimiter.MinimumRate(limits.minRequestRate().asLongValue(), limits.minRateAfter());
    }

    /**
     * Serves a whole fetch conversation over a two-way stream (the WebSocket tunnel,
     * as ssh would): the advertisement, then as many rounds as the client needs.
     * {@code version} is the protocol version the client asked for ({@code 0}, {@code 1}, {@code 2}).
     */
    public void uploadPackSession(CachedRepo repo, int version, InputStream in, OutputStream out) throws IOException {
        try (UploadPack up = new DeepeningUploadPack(repo.repository())) {
            up.setBiDirectionalPipe(true);
            if (version > 0) {
                up.setExtraParameters(List.of("version=" + version));
            }
            up.uploadWithExceptionPropagation(fetchRequest(in, null), out, null);
        }
    }

    /**
     * Serves a whole push conversation over a two-way stream: the advertisement,
     * the commands and pack, the store commit, the status report. The push lock is
     * held throughout, so the advertised refs are the ones the push is checked against.
     */
    public void receivePackSession(RepoName name, RepoAccess rules, Pusher pusher, InputStream in,
            OutputStream out) throws IOException {
        receive(name, rules, pusher, true, in, out);
    }

    /** One receive-pack under the repository's push lock, stateless (HTTP) or two-way (the tunnel). */
    private void receive(RepoName name, RepoAccess rules, Pusher pusher, boolean biDirectional, InputStream in,
            OutputStream out) throws IOException {
        cache.push(name, session -> {
            StoreReceivePack rp = new StoreReceivePack(session, rules, pusher, limits, defaultQuota, audit,
                    () -> lockHolders(name));
            rp.setBiDirectionalPipe(biDirectional);
            try {
                // receive(), unlike receiveWithExceptionPropagation(), tells the client about a
                // protocol error (a limit among them) even after the side-band has opened.
                rp.receive(pushRequest(in, biDirectional ? null : oneShotRate()), out, null);
            } catch (UnpackException e) {
                // A bad pack (truncated, corrupt, refused by fsck): JGit already told the
                // client "unpack error ..." in the status report, and nothing was committed.
                LOG.infof("push to %s refused: %s", name, e.getCause() == null ? e : e.getCause().getMessage());
            }
            return null;
        });
    }

    /** Path to holder of every Git LFS lock of {@code name}. */
    private java.util.Map<String, String> lockHolders(RepoName name) throws IOException {
        java.util.Map<String, String> held = new java.util.HashMap<>();
        for (dev.gitfn.lfs.LfsLocks.Lock lock : lfsLocks.all(name)) {
            held.put(lock.path(), lock.owner().name());
        }
        return held;
    }

    /** A fetch request under {@code max-negotiation-lines} and {@code max-request-time}. */
    private InputStream fetchRequest(InputStream in, PktLineLimiter.MinimumRate rate) {
        return PktLineLimiter.forFetch(in, limits.maxNegotiationLines(), limits.maxRequestTime(), rate);
    }

    /** A push under {@code max-refs-per-push}, {@code max-pack-size} and {@code max-request-time}. */
    private InputStream pushRequest(InputStream in, PktLineLimiter.MinimumRate rate) {
        return PktLineLimiter.forPush(in, limits.maxRefsPerPush(), limits.maxPackSize().asLongValue(),
                limits.maxRequestTime(), rate);
    }

    /** A blocking protocol exchange. */
    @FunctionalInterface
    private interface Exchange {
        void run() throws IOException;
    }

    /**
     * Runs an exchange so that every failure reaches git in a form it prints. Before
     * the answer has started, the failure becomes an {@code ERR} packet, which git
     * shows as "remote error: ..." (as git's own http-backend does). After it has
     * started, JGit has already reported in-band and the exception only ends the
     * response.
     */
    private static void reportingErrors(String service, RepoName name, TrackingOutputStream out, Exchange exchange)
            throws IOException {
        try {
            exchange.run();
        } catch (IOException | RuntimeException e) {
            if (out.written()) {
                LOG.warnf(e, "%s of %s failed after its answer started", service, name);
                throw e;
            }
            String reason;
            if (e instanceof UnsupportedOperationException) {
                reason = "the request uses a capability this server does not support (fetch --deepen: use --depth)";
            } else if (e instanceof IOException) {
                reason = e.getMessage(); // JGit's words about the request: bad pkt-line, bad want, ...
            } else {
                LOG.errorf(e, "%s of %s failed", service, name);
                reason = "internal server error";
            }
            LOG.infof("%s of %s refused: %s", service, name, reason);
            new PacketLineOut(out).writeString("ERR " + reason + "\n");
            out.flush();
        }
    }

    /**
     * JGit's upload-pack with the v0 advertisement completed: its v0 request parser
     * understands {@code deepen-since} and {@code deepen-not} (what
     * {@code --shallow-since} and {@code --shallow-exclude} send) but its
     * advertisement leaves them out. Used for smart HTTP and the tunnel alike.
     */
    private static final class DeepeningUploadPack extends UploadPack {
        /** Capability names from git's protocol-capabilities documentation. */
        private static final String DEEPEN_SINCE = "deepen-since";
        private static final String DEEPEN_NOT = "deepen-not";

        DeepeningUploadPack(Repository repository) {
            super(repository);
            setRequestValidator(new ReachableWants());
        }

        /** Transfer settings set a want policy of their own: reachable wants stay the rule. */
        @Override
        public void setTransferConfig(org.eclipse.jgit.transport.TransferConfig config) {
            super.setTransferConfig(config);
            setRequestValidator(new ReachableWants());
        }

        @Override
        public void sendAdvertisedRefs(RefAdvertiser adv, String serviceName) throws IOException {
            adv.advertiseCapability(DEEPEN_SINCE); // v2 ignores these: it lists its capabilities itself
            adv.advertiseCapability(DEEPEN_NOT);
            super.sendAdvertisedRefs(adv, serviceName);
        }
    }

    /**
     * JGit offers a whole stored pack to a fetch that wants all of it (a clone: the pack with
     * the reachability bitmap, which maintenance keeps as the repository's one large pack);
     * this names where that pack can be downloaded. JGit hands over the pack without its
     * name, so it is recognised among the listed packs with a bitmap by its object count;
     * when that is not unique, nothing is offloaded.
     */
    private static final class OffloadedPacks implements org.eclipse.jgit.internal.storage.pack.CachedPackUriProvider {
        private final CachedRepo repo;
        private final PackUris uris;

        OffloadedPacks(CachedRepo repo, PackUris uris) {
            this.repo = repo;
            this.uris = uris;
        }

        /**
         * Offers packfile URIs on {@code up} when {@code uris} may name any. JGit sends them
         * only inside {@code sideband-all}, which git 2.39 uses when the server lists it, so
         * that is turned on too, for these requests only.
         */
        static void offer(UploadPack up, CachedRepo repo, PackUris uris) {
            if (uris == PackUris.NONE) {
                return;
            }
            org.eclipse.jgit.lib.Config config = new org.eclipse.jgit.lib.Config(repo.repository().getConfig());
            config.setBoolean("uploadpack", null, "allowSidebandAll", true);
            config.setBoolean("uploadpack", null, "advertiseSidebandAll", true);
            up.setTransferConfig(new org.eclipse.jgit.transport.TransferConfig(config));
            up.setCachedPackUriProvider(new OffloadedPacks(repo, uris));
        }

        @Override
        public PackInfo getInfo(org.eclipse.jgit.internal.storage.pack.CachedPack cached,
                java.util.Collection<String> protocols) throws IOException {
            if (!(repo.repository().getObjectDatabase()
                    instanceof org.eclipse.jgit.internal.storage.file.ObjectDirectory objects)) {
                return null;
            }
            long count = cached.getObjectCount();
            org.eclipse.jgit.internal.storage.file.Pack match = null;
            for (org.eclipse.jgit.internal.storage.file.Pack pack : objects.getPacks()) {
                String name = "pack-" + pack.getPackName();
                boolean bitmapped = repo.state().integrityOf(name).map(PackIntegrity::hasBitmap).orElse(false);
                if (bitmapped && pack.getIndex().getObjectCount() == count) {
                    if (match != null) {
                        return null; // two candidates: do not guess
                    }
                    match = pack;
                }
            }
            if (match == null) {
                return null;
            }
            java.util.Optional<java.net.URI> uri = uris.of("pack-" + match.getPackName());
            if (uri.isEmpty() || !protocols.contains(uri.get().getScheme())) {
                return null;
            }
            java.io.File file = match.getPackFile();
            return new PackInfo(trailer(file), uri.get().toString(), file.length());
        }

        /** The pack's own checksum (its last 20 bytes), which git verifies after the download. */
        private static String trailer(java.io.File pack) throws IOException {
            try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(pack, "r")) {
                byte[] sum = new byte[org.eclipse.jgit.lib.Constants.OBJECT_ID_LENGTH];
                in.seek(in.length() - sum.length);
                in.readFully(sum);
                return org.eclipse.jgit.lib.ObjectId.fromRaw(sum).name();
            }
        }
    }

    /**
     * A shallow fetch ({@code --depth}) gets no delta search: the objects it sends are mostly
     * stored as deltas against versions it does not send, so each is rebuilt whole, and JGit's
     * search for new deltas among them took a {@code --depth 1} clone of the benchmark's
     * repository from 1.29 s to 0.80 s (git's own: 0.89 s) while saving 0.06 % of its
     * 15 MB. Stored deltas whose base is in the pack are still reused.
     */
    private static final class ShallowPacksWithoutDeltaSearch implements org.eclipse.jgit.transport.PreUploadHook {
        private final Repository repository;

        ShallowPacksWithoutDeltaSearch(Repository repository) {
            this.repository = repository;
        }

        @Override
        public void onSendPack(UploadPack up, java.util.Collection<? extends org.eclipse.jgit.lib.ObjectId> wants,
                java.util.Collection<? extends org.eclipse.jgit.lib.ObjectId> haves) {
            if (up.getDepth() > 0) {
                org.eclipse.jgit.storage.pack.PackConfig config = new org.eclipse.jgit.storage.pack.PackConfig(
                        repository);
                config.setDeltaCompress(false);
                up.setPackConfig(config);
            }
        }

        @Override
        public void onBeginNegotiateRound(UploadPack up,
                java.util.Collection<? extends org.eclipse.jgit.lib.ObjectId> wants, int cntOffered) {
            // nothing to change
        }

        @Override
        public void onEndNegotiateRound(UploadPack up,
                java.util.Collection<? extends org.eclipse.jgit.lib.ObjectId> wants, int cntCommon,
                int cntNotFound, boolean ready) {
            // nothing to change
        }
    }

    /** Whether the {@code Git-Protocol} header asks for protocol v2. */
    private static boolean isV2(String gitProtocol) {
        return gitProtocol != null && Arrays.asList(gitProtocol.split(":")).contains("version=2");
    }

    private static UploadPack newUploadPack(CachedRepo repo, String gitProtocol) {
        UploadPack up = new DeepeningUploadPack(repo.repository());
        up.setBiDirectionalPipe(false);
        up.setPreUploadHook(new ShallowPacksWithoutDeltaSearch(repo.repository()));
        if (gitProtocol != null && !gitProtocol.isBlank()) {
            up.setExtraParameters(Arrays.asList(gitProtocol.split(":")));
        }
        return up;
    }
}
