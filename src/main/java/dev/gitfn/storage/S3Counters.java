package dev.gitfn.storage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * S3 requests and failed calls by operation, as the SDK reports each call; the
 * store's and the published area's clients share one. Each HTTP attempt counts
 * as a request (retries included); a call that failed after its retries counts
 * as one error.
 */
public final class S3Counters implements MetricPublisher {
    /** The operations gitfn makes; anything else is counted as {@code other}. */
    public static final List<String> OPERATIONS = List.of("GetObject", "HeadObject", "PutObject", "DeleteObject",
            "ListObjectsV2", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
            "AbortMultipartUpload", "other");

    private final Map<String, LongAdder> requests = adders();
    private final Map<String, LongAdder> errors = adders();

    private static Map<String, LongAdder> adders() {
        Map<String, LongAdder> map = new java.util.HashMap<>();
        OPERATIONS.forEach(op -> map.put(op, new LongAdder()));
        return Map.copyOf(map);
    }

    public long requests(String operation) {
        return requests.get(operation).sum();
    }

    public long errors(String operation) {
        return errors.get(operation).sum();
    }

    @Override
    public void publish(MetricCollection call) {
        String operation = call.metricValues(CoreMetric.OPERATION_NAME).stream().findFirst()
                .filter(requests::containsKey).orElse("other");
        long attempts = call.childrenWithName("ApiCallAttempt").count();
        requests.get(operation).add(Math.max(1, attempts));
        if (call.metricValues(CoreMetric.API_CALL_SUCCESSFUL).contains(Boolean.FALSE)) {
            errors.get(operation).increment();
        }
    }

    @Override
    public void close() {
        // Nothing held.
    }
}
