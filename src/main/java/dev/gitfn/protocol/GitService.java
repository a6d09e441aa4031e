package dev.gitfn.protocol;

import java.util.Optional;

import dev.gitfn.auth.Permission;

/** The two smart-protocol services and the media types git's HTTP protocol gives them. */
public enum GitService {
    UPLOAD_PACK("git-upload-pack"),
    RECEIVE_PACK("git-receive-pack");

    private final String serviceName;

    GitService(String serviceName) {
        this.serviceName = serviceName;
    }

    /** The name on the wire: {@code git-upload-pack} or {@code git-receive-pack}. */
    public String serviceName() {
        return serviceName;
    }

    /** What a client needs to use this service on a repository. */
    public Permission permission() {
        return this == RECEIVE_PACK ? Permission.WRITE : Permission.READ;
    }

    public String advertisementType() {
        return "application/x-" + serviceName + "-advertisement";
    }

    public String requestType() {
        return "application/x-" + serviceName + "-request";
    }

    public String resultType() {
        return "application/x-" + serviceName + "-result";
    }

    public static Optional<GitService> fromName(String name) {
        for (GitService s : values()) {
            if (s.serviceName.equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
