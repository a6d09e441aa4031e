package dev.gitfn.support;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Runs the application under test on S3Proxy: starts the server, makes a bucket, points gitfn at it. */
public class S3ProxyResource implements QuarkusTestResourceLifecycleManager {
    private S3Servers.S3Proxy proxy;

    @Override
    public Map<String, String> start() {
        try {
            proxy = new S3Servers.S3Proxy(TestDirs.fresh("s3proxy-app"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        S3Servers.Endpoint endpoint = proxy.endpoint();
        endpoint.createBucket("gitfn-test");
        // The SDK's default credential chain reads these system properties.
        System.setProperty("aws.accessKeyId", endpoint.accessKey());
        System.setProperty("aws.secretAccessKey", endpoint.secretKey());
        return Map.of("gitfn.storage", "s3", "gitfn.s3.bucket", "gitfn-test", "gitfn.s3.prefix", "repos",
                "gitfn.s3.endpoint", endpoint.uri().toString(), "gitfn.s3.path-style", "true",
                "gitfn.s3.max-attempts", "2", "gitfn.cache.dir", "target/test-data/cache-s3proxy");
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }
}
