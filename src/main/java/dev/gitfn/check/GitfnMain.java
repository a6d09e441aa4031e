package dev.gitfn.check;

import java.util.Arrays;
import java.util.List;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;

/**
 * gitfn's entry point. With no arguments, the server. With {@code store check [--repair]
 * [repo...]} (what {@code target/bin/gitfn-store} runs), the store check with the same
 * configuration and store as the server, and nothing listening: no HTTP, SSH or git://
 * port is opened, so it runs beside a live server.
 */
@QuarkusMain
public class GitfnMain {
    public static void main(String... args) throws java.io.IOException {
        if (args.length > 0 && args[0].equals("store")) {
            // A cache of its own: a live server's cache folder is that server's alone.
            System.setProperty("gitfn.cache.dir", java.nio.file.Files.createTempDirectory("gitfn-store-cache")
                    .toString());
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("quarkus.management.port", "0");
            System.setProperty("gitfn.ssh.port", "");
            System.setProperty("gitfn.daemon.port", "");
            System.setProperty("quarkus.log.level", System.getProperty("quarkus.log.level", "WARN"));
            Quarkus.run(StoreCommand.class, (code, failure) -> {
                Throwable cause = failure;
                while (cause != null && cause.getCause() != null) {
                    cause = cause.getCause(); // "Failed to start quarkus" says nothing: the reason is below
                }
                if (cause != null) {
                    System.err.println("gitfn-store: " + cause.getMessage());
                }
                System.exit(failure != null ? 2 : code);
            }, args);
            return;
        }
        Quarkus.run(args);
    }

    /** {@code store check [--repair] [repo...]}: exit 0 when the store is whole, 1 with problems, 2 on misuse. */
    public static class StoreCommand implements QuarkusApplication {
        @Inject
        StoreCheck check;

        @Override
        public int run(String... args) throws Exception {
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            if (rest.isEmpty() || !rest.get(0).equals("check")) {
                System.err.println("usage: gitfn-store check [--repair] [repo...]");
                return 2;
            }
            List<String> words = rest.subList(1, rest.size());
            boolean repair = words.contains("--repair");
            List<String> repos = words.stream().filter(w -> !w.equals("--repair")).toList();
            if (repos.stream().anyMatch(w -> w.startsWith("-"))) {
                System.err.println("usage: gitfn-store check [--repair] [repo...]");
                return 2;
            }
            StoreCheck.Report report = check.check(repos, repair);
            System.out.print(StoreCheck.render(report));
            return report.clean() ? 0 : 1;
        }
    }
}
