package dev.gitfn.storage;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.gitfn.support.S3Servers;
import dev.gitfn.support.TestDirs;

/** The S3 store against the shared contract, on S3Proxy (a real S3 server process). */
class S3BlobStoreS3ProxyTest extends BlobStoreContract {
    private static S3Servers.S3Proxy proxy;
    private static int buckets;

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = new S3Servers.S3Proxy(TestDirs.fresh("s3proxy"));
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @Override
    BlobStore newStore(Path scratch) {
        String bucket = "contract-" + buckets++;
        proxy.endpoint().createBucket(bucket);
        return new S3BlobStore(proxy.endpoint().client(), bucket, "some/prefix");
    }

    @Override
    boolean atomicCompareAndSwap() {
        return false;
    }
}
