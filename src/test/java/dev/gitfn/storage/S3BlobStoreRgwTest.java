package dev.gitfn.storage;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;


import dev.gitfn.support.S3Servers;

/**
 * The S3 store against the shared contract on Ceph RGW, whose conditional
 * writes are atomic: here the contention cases prove that compare-and-swap
 * loses no update. CI starts RGW; elsewhere this runs when
 * {@code GITFN_TEST_RGW_ENDPOINT} names one (and fails in CI if it does not).
 */
class S3BlobStoreRgwTest extends BlobStoreContract {

    @Override
    BlobStore newStore(Path scratch) {
        S3Servers.Endpoint rgw = S3Servers.rgw();
        if (rgw == null && System.getenv("CI") != null) {
            throw new IllegalStateException("CI must start Ceph RGW and set " + S3Servers.RGW_ENDPOINT_VARIABLE);
        }
        assumeTrue(rgw != null, S3Servers.RGW_ENDPOINT_VARIABLE + " is not set");
        String bucket = "contract-" + Long.toString(System.nanoTime(), 36);
        rgw.createBucket(bucket);
        return new S3BlobStore(rgw.client(), bucket, "");
    }
}
