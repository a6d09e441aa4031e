package dev.gitfn.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every gitfn setting. Each key is also an environment variable in Quarkus's
 * usual spelling: {@code gitfn.fs.root} is {@code GITFN_FS_ROOT}.
 */
@ConfigMapping(prefix = "gitfn")
public interface GitfnConfig {

    /** Which store holds the repositories: {@code fs} (a local folder) or {@code s3}. */
    @WithDefault("fs")
    String storage();

    /** Create a repository on its first push instead of answering 404. */
    @WithDefault("false")
    boolean createOnPush();

    /** The branch HEAD names in a new repository. */
    @WithDefault("main")
    String defaultBranch();

    Fs fs();

    Cache cache();

    S3 s3();

    Limits limits();

    Auth auth();

    Tunnel tunnel();

    Ssh ssh();

    Daemon daemon();

    Lfs lfs();

    Publish publish();

    Http http();

    /**
     * Pack maintenance: compaction (merging packs, writing the reachability bitmap) and
     * garbage collection of packs no state lists, safe with many instances at once.
     */
    Maintenance maintenance();

    /** The server-side reflog. */
    History history();

    /** Repositories' lifecycle and limits. */
    Repos repos();

    /** The audit log: administrative actions, rewrites of history and refused sign-ins. */
    Audit audit();

    /** The read-only web view ({@code /}, {@code /<repo>}, ...). */
    Web web();

    interface Web {
        /** Serve the web view; off, its addresses answer 404 and git's own URLs are unchanged. */
        @WithDefault("true")
        boolean enabled();

        /** How long a browser sign-in lasts: the session cookie's {@code Max-Age}. */
        @WithDefault("8h")
        Duration sessionMaxAge();

        /** Files larger than this are offered as a download instead of being shown. */
        @WithDefault("1M")
        MemorySize maxBlobView();

        /** Commits on one page of a log. */
        @WithDefault("50")
        int commitsPerPage();

        /** Changed files on one page of a commit's diff. */
        @WithDefault("30")
        int diffFilesPerPage();

        /** Lines of one file's diff shown before it is cut (the full file stays a click away). */
        @WithDefault("2000")
        int maxDiffLines();

        /** The host shown in SSH clone URLs (default: the host the page was asked for, without its port). */
        Optional<String> sshHost();
    }

    interface Audit {
        /**
         * How often entries not yet stored (refused sign-ins) are written to the store, one
         * object per write; administrative actions and rewrites are stored before they are answered.
         */
        @WithDefault("10s")
        Duration flushInterval();

        /** Entries held in memory at most between writes; beyond that they are counted, and the count stored. */
        @WithDefault("10000")
        int maxPending();
    }

    /** Push events sent to each repository's webhooks. */
    Webhooks webhooks();

    interface Webhooks {
        /** Let hooks call loopback, private and link-local addresses (off: server-side request forgery). */
        @WithDefault("false")
        boolean allowLoopback();

        /** Host names a hook may call whatever they resolve to (an internal CI server, say). */
        java.util.Optional<java.util.List<String>> allowHosts();

        /** How long one delivery may take before it counts as failed. */
        @WithDefault("10s")
        java.time.Duration timeout();

        /** Attempts per event and run (with exponential backoff and jitter) before the next run tries again. */
        @WithDefault("3")
        int attempts();

        /** The first backoff between attempts (doubling, at most 30 s). */
        @WithDefault("1s")
        java.time.Duration backoff();

        /**
         * A CloudEvents sink every repository's pushes go to as well (binary mode, spec 1.0):
         * Knative's SinkBinding sets {@code K_SINK}. Set by the platform, so internal addresses are fine.
         */
        java.util.Optional<String> kSink();

        /**
         * 32 random bytes in base64 ({@code openssl rand -base64 32}): hook secrets are then
         * stored AES-GCM-sealed with it; unset, they are stored as given (in the private store).
         */
        java.util.Optional<String> secretKey();

        /** How often every instance looks for events not yet delivered (a push's own delivery failed, an instance died). */
        @WithDefault("30s")
        java.time.Duration scanInterval();
    }

    interface Repos {
        /** How long a deleted repository can be restored ({@code POST /api/repos/<repo>/-/restore}). */
        @WithDefault("7d")
        java.time.Duration deleteGrace();

        /**
         * How long a renamed repository's old name answers a redirect to the new one (and
         * stays taken); then maintenance frees it.
         */
        @WithDefault("30d")
        java.time.Duration renameRedirect();

        /** Quota of a repository without its own: bytes of packs it may hold; unset, none. */
        java.util.Optional<Long> defaultQuotaBytes();
    }

    interface History {
        /** How long every accepted ref update stays in a repository's history, restorable (and kept by maintenance). */
        @WithDefault("90d")
        java.time.Duration keep();
    }

    interface Maintenance {
        /**
         * Compact in the background after a push once a repository holds this many packs (or
         * its largest pack has no bitmap); 0 turns compaction after pushes off.
         */
        @WithDefault("8")
        int packThreshold();

        /** Each pack kept beside the largest must be at least this many times the size of all smaller ones. */
        @WithDefault("2")
        int geometricFactor();

        /**
         * How long a pack stays in the store after no state lists it (replaced by compaction,
         * or left by a failed push), and how long an object no ref reaches is kept: well above
         * the longest request ({@code gitfn.limits.max-request-time}) and tunnel
         * ({@code gitfn.tunnel.max-duration}), so no instance still reading one loses it.
         */
        @WithDefault("2h")
        Duration grace();

        /** Longest one compaction may hold a repository's lease; a crashed one blocks the next this long at most. */
        @WithDefault("15m")
        Duration lease();
    }

    /** Checks against browsers turned against the server: cross-site pages and DNS rebinding. */
    interface Http {
        /**
         * Host names (without port) requests may name in {@code Host} while authentication is
         * off; a DNS-rebinding page's requests name its own host and are refused.
         */
        @WithDefault("localhost,127.0.0.1,::1,[::1]")
        List<String> allowedHosts();

        /**
         * Origins besides the server's own (the {@code Host} it was reached at) allowed to open
         * tunnels and make state-changing calls, e.g. {@code https://tools.example.com}.
         */
        Optional<List<String>> allowedOrigins();
    }

    /**
     * The published area: a static copy of public repositories' dumb-HTTP files
     * ({@code <repo>.git/HEAD}, {@code info/refs}, {@code objects/info/packs},
     * {@code objects/pack/*}) and nothing else, for a static server, a bucket
     * website or a CDN. Off unless a folder or a bucket is set.
     */
    interface Publish {
        /** Folder of the published area (with the folder store or any other). */
        Optional<Path> fsRoot();

        /**
         * Where the published area is reached from outside (the CDN): the base of the
         * redirect that sends a public repository's clones there.
         */
        Optional<URI> baseUrl();

        S3 s3();

        Cdn cdn();

        /**
         * The CDN in front of the published area, told to forget a repository's files when it
         * is withdrawn (made private, deleted, renamed): until then its cached copies may
         * still be served.
         */
        interface Cdn {
            /** The CloudFront distribution to invalidate (its id, as Terraform outputs it); unset: none is told. */
            Optional<String> cloudfrontDistributionId();

            /** CloudFront's API endpoint (another only for a stand-in in tests). */
            @WithDefault("https://cloudfront.amazonaws.com")
            URI endpoint();

            /** First wait before an invalidation that failed is sent again (doubling, up to a minute, 6 attempts). */
            @WithDefault("1s")
            Duration retryBackoff();
        }

        interface S3 {
            /** Bucket of the published area; unset with a prefix: the store's bucket under that prefix. */
            Optional<String> bucket();

            /** Key prefix of the published area inside its bucket. */
            Optional<String> prefix();
        }
    }

    /** The WebSocket tunnel ({@code GET /<repo>.git/ws}) that carries git's protocol for {@code git-remote-ws}. */
    interface Tunnel {
        /** A tunnel in which nothing moves either way for this long is closed (1008). */
        @WithDefault("60s")
        Duration idleTimeout();

        /** Longest a tunnel may stay open, however busy (1008 after it). */
        @WithDefault("1h")
        Duration maxDuration();

        /** Tunnels one instance serves at once; more are answered 503 at the upgrade. */
        @WithDefault("64")
        int maxSessions();
    }

    /**
     * git over SSH, for long-running installations (a cloud function has no raw TCP).
     * Off unless a port is set.
     */
    interface Ssh {
        /** The port to listen on (on {@code quarkus.http.host}'s address); unset: no SSH. */
        Optional<Integer> port();

        /**
         * A PEM file with the host's private key (an OpenSSH or PKCS#8 key, e.g. from a
         * Kubernetes Secret). Unset: one key generated once into the store, under a
         * compare-and-swap, so every instance presents the same key.
         */
        Optional<Path> hostKey();

        /** SSH sessions one instance holds at once; more are disconnected at once. */
        @WithDefault("64")
        int maxSessions();

        /** Connections not yet signed in, at once; more are disconnected at once. */
        @WithDefault("16")
        int maxUnauthenticated();

        /** Time a connection has to sign in. */
        @WithDefault("20s")
        Duration authTimeout();

        /** Keys a connection may try before it is disconnected. */
        @WithDefault("6")
        int maxAuthAttempts();

        /** A session in which nothing moves either way for this long is closed. */
        @WithDefault("60s")
        Duration idleTimeout();

        /**
         * The HTTP base URL SSH users' git-lfs is sent to by {@code git-lfs-authenticate}
         * (e.g. {@code https://git.example.com}); unset: this instance's own HTTP port on the
         * address the SSH client connected to.
         */
        Optional<URI> lfsUrl();
    }

    /** Git LFS: large files kept per repository in the store, moved by presigned URLs where the store can. */
    interface Lfs {
        /** Largest object accepted; larger ones are refused in the batch answer, before any byte moves. */
        @WithDefault("5G")
        io.quarkus.runtime.configuration.MemorySize maxObjectSize();

        /** How long a presigned URL (or an action's header) is valid. */
        @WithDefault("15m")
        Duration urlTtl();

        /**
         * Whether the S3 store itself refuses an upload whose SHA-256 differs from the one
         * the presigned URL names (AWS S3's flexible checksums). When false (Ceph RGW here),
         * gitfn hashes each uploaded object once at {@code verify} before it can be downloaded.
         */
        @WithDefault("false")
        boolean storeChecksSha256();

        /** Objects in one batch request. */
        @WithDefault("1000")
        int maxBatchObjects();
    }

    /**
     * git's daemon protocol ({@code git://}): anonymous, read-only, public repositories
     * only. Off unless a port is set.
     */
    interface Daemon {
        /** The port to listen on (on {@code quarkus.http.host}'s address); unset: no git://. */
        Optional<Integer> port();

        /** Connections one instance holds at once; more get an {@code ERR} line and are closed. */
        @WithDefault("64")
        int maxConnections();

        /** Time a client has to send its request line. */
        @WithDefault("10s")
        Duration requestTimeout();

        /** A connection in which nothing moves either way for this long is closed. */
        @WithDefault("60s")
        Duration idleTimeout();
    }

    /**
     * Who may do what. With neither an admin token nor a JWT issuer set, authentication
     * is off: everyone may read and write, and the server refuses to listen beyond
     * loopback unless {@link #allowAnonymous()} says that is meant.
     */
    interface Auth {
        /** Bootstrap admin token (Basic password or Bearer); setting it turns authentication on. */
        Optional<String> adminToken();

        /** With authentication off, allow listening on a non-loopback address anyway. */
        @WithDefault("false")
        boolean allowAnonymous();

        /** Realm named in {@code WWW-Authenticate}. */
        @WithDefault("gitfn")
        String realm();

        /** Members of this group (from the user record or the JWT's groups claim) are admins. */
        @WithDefault("admins")
        String adminGroup();

        /** Failed sign-ins per client address, and per user name, within {@link #failureWindow()} before 429. */
        @WithDefault("10")
        int maxFailures();

        /** Window in which failed sign-ins are counted. */
        @WithDefault("1m")
        Duration failureWindow();

        /** Each failed sign-in after the third is answered this much later than the one before (at most 2 s). */
        @WithDefault("250ms")
        Duration failureBackoff();

        /** How long users and access lists read from the store are trusted before revalidation. */
        @WithDefault("5s")
        Duration cacheTtl();

        Jwt jwt();

        /** Bearer JWTs from an OIDC provider; setting the issuer and JWKS turns them on. */
        interface Jwt {
            /** Required {@code iss} claim, e.g. {@code https://accounts.example.com}. */
            Optional<String> issuer();

            /** Where the provider publishes its signing keys: an http(s) URL or a file path. */
            Optional<String> jwksUrl();

            /** Required {@code aud} claim; unset accepts any audience. */
            Optional<String> audience();

            /** Claim that names the user. */
            @WithDefault("preferred_username")
            String userClaim();

            /** Claim that lists the user's groups (a list, or one string for one group). */
            @WithDefault("groups")
            String groupsClaim();

            /** Longest lifetime a token may have left: one valid for longer is refused. */
            @WithDefault("24h")
            Duration maxLifetime();
        }
    }

    /** Bounds on what one request may make the server do; each refusal reaches git as an error message. */
    interface Limits {
        /** Largest pack one push may send. */
        @WithDefault("2G")
        MemorySize maxPackSize();

        /**
         * Told to git (as {@code remote:} lines) when a push exceeds the pack limit: where
         * such a push can go instead (another endpoint, Git LFS).
         */
        Optional<String> packTooLargeHint();

        /** Largest single object (inflated) in a push. */
        @WithDefault("512M")
        MemorySize maxObjectSize();

        /** Largest fetch request once its gzip is undone (a decompression bomb stops here). */
        @WithDefault("64M")
        MemorySize maxInflatedRequest();

        /** Ref updates one push may carry. */
        @WithDefault("5000")
        int maxRefsPerPush();

        /** {@code want}, {@code have} and other request lines one fetch request (or tunnel) may send. */
        @WithDefault("100000")
        int maxNegotiationLines();

        /** Longest a client may take to send one request (a push's pack included); stops slow dribblers. */
        @WithDefault("30m")
        Duration maxRequestTime();

        /**
         * Slowest average rate at which a smart-HTTP request body may arrive, once
         * {@link #minRateAfter()} has passed: a client cannot hold a worker for long by
         * sending a byte now and then.
         */
        @WithDefault("1K")
        MemorySize minRequestRate();

        /** Grace before {@link #minRequestRate()} applies. */
        @WithDefault("10s")
        Duration minRateAfter();

        /**
         * Packs (clones and fetches) one instance builds at once; each needs heap for its
         * object walk and buffers for its output, so this bounds memory under load.
         */
        @WithDefault("8")
        int maxConcurrentPacks();

        /** How long a clone or fetch waits in line for one of those before 503. */
        @WithDefault("30s")
        Duration packQueueWait();

        /** Requests and tunnels one client address may have in progress at once (429 beyond). */
        @WithDefault("32")
        int maxRequestsPerClient();

        /** Largest body of an API request (413 beyond; API bodies must say their length). */
        @WithDefault("1M")
        MemorySize maxApiBody();
    }

    interface Fs {
        /** Folder of the embedded store; any static web server can publish it for dumb-HTTP clones. */
        @WithDefault("data/store")
        Path root();
    }

    interface S3 {
        /** Bucket that holds the repositories (required with {@code gitfn.storage=s3}). */
        Optional<String> bucket();

        /** Key prefix inside the bucket, e.g. {@code git}; unset for the bucket's root. */
        Optional<String> prefix();

        /** Endpoint of an S3-compatible server, e.g. {@code http://127.0.0.1:9000}; empty for AWS. */
        Optional<URI> endpoint();

        /** Region to sign requests for. */
        @WithDefault("us-east-1")
        String region();

        /** Address buckets as {@code endpoint/bucket/key} (most S3-compatible servers) rather than by host name. */
        @WithDefault("false")
        boolean pathStyle();

        /** Attempts per S3 request, counting the first; retries back off exponentially. */
        @WithDefault("4")
        int maxAttempts();

        /** Time one attempt of one S3 request may take before it is abandoned and retried. */
        @WithDefault("120s")
        Duration attemptTimeout();
    }

    interface Cache {
        /** Folder of this instance's local repository cache (disposable). */
        @WithDefault("data/cache")
        Path dir();

        /** Bound on the cache's pack files; least recently used repositories that no request holds are evicted. */
        @WithDefault("4G")
        MemorySize maxBytes();
    }
}
