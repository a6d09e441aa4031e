package dev.gitfn.publish;

import java.util.Optional;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.config.StoreProducer;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.storage.S3BlobStore;
import dev.gitfn.storage.S3Counters;

/** Chooses the published area from {@code gitfn.publish.*}. */
public class PublishedAreaProducer {
    private static final Logger LOG = Logger.getLogger(PublishedAreaProducer.class);

    /**
     * The published area, from {@code gitfn.publish.*}. It must not overlap the store:
     * a static server over it must never reach a private repository or {@code .gitfn/}.
     */
    @Produces
    @jakarta.inject.Singleton
    PublishedArea publishedArea(GitfnConfig config, S3Counters counters) {
        GitfnConfig.Publish publish = config.publish();
        if (publish.fsRoot().isPresent()) {
            java.nio.file.Path root = publish.fsRoot().get().toAbsolutePath().normalize();
            java.nio.file.Path store = config.fs().root().toAbsolutePath().normalize();
            if (config.storage().equals("fs") && (root.startsWith(store) || store.startsWith(root))) {
                throw new IllegalArgumentException("gitfn.publish.fs-root (" + root + ") must lie outside the store "
                        + "folder gitfn.fs.root (" + store + "), and the store outside it");
            }
            LOG.infof("published area: folder %s", root);
            // Its temporary files live beside it, so the folder holds only what is published.
            return new PublishedArea(Optional.of(new FsBlobStore(root,
                    root.resolveSibling(root.getFileName() + ".work"))), "folder " + root);
        }
        if (publish.s3().bucket().isPresent() || publish.s3().prefix().isPresent()) {
            GitfnConfig.S3 s3 = config.s3();
            String bucket = publish.s3().bucket().or(s3::bucket).orElseThrow(() -> new IllegalArgumentException(
                    "gitfn.publish.s3.prefix needs gitfn.publish.s3.bucket or gitfn.s3.bucket"));
            String prefix = publish.s3().prefix().orElse("").replaceAll("^/+|/+$", "");
            String storePrefix = s3.prefix().orElse("").replaceAll("^/+|/+$", "");
            boolean sameBucket = config.storage().equals("s3") && bucket.equals(s3.bucket().orElse(null));
            if (sameBucket && (storePrefix.isEmpty() || prefix.isEmpty() || prefix.equals(storePrefix)
                    || prefix.startsWith(storePrefix + "/") || storePrefix.startsWith(prefix + "/"))) {
                throw new IllegalArgumentException("the published area (bucket " + bucket + ", prefix '" + prefix
                        + "') overlaps the store (prefix '" + storePrefix + "'): use another bucket "
                        + "(gitfn.publish.s3.bucket), or prefixes that do not contain each other");
            }
            LOG.infof("published area: s3 bucket %s prefix '%s'", bucket, prefix);
            return new PublishedArea(Optional.of(new S3BlobStore(StoreProducer.s3Client(s3, counters), bucket, prefix)),
                    "s3 bucket " + bucket + " prefix '" + prefix + "'");
        }
        return PublishedArea.NONE;
    }

    void closeArea(@Disposes PublishedArea area) throws Exception {
        if (area.store().isPresent() && area.store().get() instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

}
