package dev.gitfn.support;

import java.util.Map;

import dev.gitfn.config.GitfnConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** gitfn's configuration outside Quarkus, defaults included, for unit tests of single classes. */
public final class Configs {
    private Configs() {
    }

    public static GitfnConfig gitfn(Map<String, String> values) {
        // Quarkus's own converters, so "5s" and "2G" read as they do in the server.
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(GitfnConfig.class)
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 200,
                        new io.quarkus.runtime.configuration.MemorySizeConverter())
                .withDefaultValues(values).build();
        return config.getConfigMapping(GitfnConfig.class);
    }
}
