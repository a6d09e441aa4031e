package dev.gitfn.config;

import java.nio.file.Path;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every gitfn setting. Each key is also an environment variable in Quarkus's
 * usual spelling: {@code gitfn.fs.root} is {@code GITFN_FS_ROOT}.
 */
@ConfigMapping(prefix = "gitfn")
public interface GitfnConfig {

    /** Which store holds the repositories: {@code fs} (a local folder). */
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

    interface Fs {
        /** Folder of the embedded store; any static web server can publish it for dumb-HTTP clones. */
        @WithDefault("data/store")
        Path root();
    }

    interface Cache {
        /** Folder of this instance's local repository cache (disposable). */
        @WithDefault("data/cache")
        Path dir();
    }
}
