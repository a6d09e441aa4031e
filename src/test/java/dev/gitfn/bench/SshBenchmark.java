package dev.gitfn.bench;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.Ssh;
import dev.gitfn.support.TestDirs;

/**
 * gitfn over SSH and git:// beside git's own servers for the same transports, in one run,
 * on one repository, with one git client: gitfn's SSH against OpenSSH's {@code sshd} with
 * {@code git-shell} (a system user {@code gitbench} is created for it; run as root) and
 * against gitfn's own smart HTTP, gitfn's git:// against {@code git daemon}. Medians of
 * wall time per operation, ratios, and each server's CPU over the whole row. Run after
 * {@code ./mvnw package -DskipTests}:
 *
 * <pre>java -cp target/test-classes dev.gitfn.bench.SshBenchmark [commits] [runs]</pre>
 */
public final class SshBenchmark {
    private static int daemonPort;

    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path work = TestDirs.fresh("bench-ssh");
        Git git = new Git(work.resolve("home"));
        Path src = CloneBenchmark.importHistory(git, work, commits);
        Path root = CloneBenchmark.backendRoot(git, work, src);
        Ssh client = new Ssh(work.resolve("ssh"));
        Path key = client.newKey("bench");

        int sshPort = freePort();
        int gitPort = freePort();
        int opensshPort = freePort();
        daemonPort = freePort();
        Path gitShellHome = openSshUser(work, key, git, src);
        Process sshd = startSshd(work, opensshPort, gitShellHome);
        // git-daemon itself, not the git wrapper, so that its reaped children's CPU is its own.
        Process daemon = new ProcessBuilder(gitExecPath() + "/git-daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                "--port=" + daemonPort, "--base-path=" + root, root.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile()).start();
        Map<String, String> env = ServerProcess.folderStore(work, Map.of("GITFN_SSH_PORT", Integer.toString(sshPort),
                "GITFN_DAEMON_PORT", Integer.toString(gitPort)));
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), env)) {
            await(sshPort);
            await(gitPort);
            await(opensshPort);
            await(daemonPort);
            client.trust(sshPort);
            client.trust(opensshPort);
            if (Http.createRepo(URI.create(gitfn.url()), "bench/app") != 201) {
                throw new IllegalStateException("cannot create the benchmark repository");
            }
            git.withEnv("GIT_SSH_COMMAND", client.gitSshCommand(key));
            String http = gitfn.url() + "bench/app.git";
            git.ok(src, "push", "-q", http, "main");
            String gitfnSsh = "ssh://git@127.0.0.1:" + sshPort + "/bench/app.git";
            String openssh = "ssh://gitbench@127.0.0.1:" + opensshPort + "/home/gitbench/app.git";
            String gitfnGit = "git://127.0.0.1:" + gitPort + "/bench/app.git";
            String gitDaemon = "git://127.0.0.1:" + daemonPort + "/bench/app.git";
            LongSupplier gitfnCpu = () -> cpuMillis(gitfn.pid());
            // sshd's per-connection processes are not reaped into the listener's counters: not measured.
            LongSupplier sshdCpu = () -> -1;
            LongSupplier daemonCpu = () -> cpuMillis(daemon.pid());

            System.out.printf("repository: %d commits; medians of %d runs, ms; CPU: each server's total over the row's timed runs%n",
                    commits, runs);
            int[] counter = {0};
            Supplier<String> next = () -> work.resolve("c" + counter[0]++).toString();
            for (String version : List.of("2", "0")) {
                Map<String, Runnable> clones = new LinkedHashMap<>();
                clones.put("gitfn ssh", () -> git.ok(work, "-c", "protocol.version=" + version, "clone", "-q",
                        gitfnSsh, next.get()));
                clones.put("openssh+git-shell", () -> git.ok(work, "-c", "protocol.version=" + version, "clone",
                        "-q", openssh, next.get()));
                clones.put("gitfn http", () -> git.ok(work, "-c", "protocol.version=" + version, "clone", "-q",
                        http, next.get()));
                clones.put("gitfn git://", () -> git.ok(work, "-c", "protocol.version=" + version, "clone", "-q",
                        gitfnGit, next.get()));
                clones.put("git daemon", () -> git.ok(work, "-c", "protocol.version=" + version, "clone", "-q",
                        gitDaemon, next.get()));
                row("clone v" + version, runs, clones, List.of(gitfnCpu, sshdCpu, gitfnCpu, gitfnCpu, daemonCpu));
            }

            Path fetcher = work.resolve("fetcher");
            git.ok(work, "clone", "-q", gitfnSsh, fetcher.toString());
            Map<String, Runnable> fetches = new LinkedHashMap<>();
            fetches.put("gitfn ssh", () -> git.ok(fetcher, "fetch", "-q", gitfnSsh));
            fetches.put("openssh+git-shell", () -> git.ok(fetcher, "fetch", "-q", openssh));
            fetches.put("gitfn http", () -> git.ok(fetcher, "fetch", "-q", http));
            fetches.put("gitfn git://", () -> git.ok(fetcher, "fetch", "-q", gitfnGit));
            fetches.put("git daemon", () -> git.ok(fetcher, "fetch", "-q", gitDaemon));
            row("no-op fetch", runs, fetches, List.of(gitfnCpu, sshdCpu, gitfnCpu, gitfnCpu, daemonCpu));

            // One commit pushed to each, each onto its own branch so every push is a fast-forward.
            Map<String, Runnable> pushes = new LinkedHashMap<>();
            int[] n = {0};
            pushes.put("gitfn ssh", () -> pushOne(git, fetcher, gitfnSsh, "ssh", n));
            pushes.put("openssh+git-shell", () -> pushOne(git, fetcher, openssh, "openssh", n));
            pushes.put("gitfn http", () -> pushOne(git, fetcher, http, "http", n));
            row("one-commit push", runs, pushes, List.of(gitfnCpu, sshdCpu, gitfnCpu));
        } finally {
            sshd.destroy();
            daemon.destroy();
        }
        CloneBenchmark.deleteTree(work);
    }

    private static void pushOne(Git git, Path repo, String url, String branch, int[] n) {
        git.ok(repo, "commit", "-q", "--allow-empty", "-m", "bench " + n[0]++);
        git.ok(repo, "push", "-q", url, "HEAD:refs/heads/" + branch);
    }

    /** Rotates the order of the servers each run; prints medians, ratios to the first and each server's CPU. */
    private static void row(String name, int runs, Map<String, Runnable> servers, List<LongSupplier> cpu) {
        List<String> names = new ArrayList<>(servers.keySet());
        List<Runnable> ops = new ArrayList<>(servers.values());
        ops.forEach(Runnable::run); // warm-up, not counted
        List<List<Long>> times = new ArrayList<>();
        long[] cpuSpent = new long[ops.size()];
        long[] rowStart = new long[ops.size()];
        for (int k = 0; k < ops.size(); k++) {
            times.add(new ArrayList<>());
            rowStart[k] = cpu.get(k).getAsLong();
        }
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < ops.size(); k++) {
                int which = (i + k) % ops.size();
                long before = cpu.get(which).getAsLong();
                times.get(which).add(CloneBenchmark.time(ops.get(which)));
                cpuSpent[which] += cpu.get(which).getAsLong() - before;
            }
        }
        // Forking servers (sshd, git daemon) count a child's CPU when they reap it, which may be
        // after the operation: for a server that serves one entry only, take its whole row, settled.
        try {
            Thread.sleep(500);
            // git daemon reaps its children only when its poll loop wakes: a connection wakes it.
            new Socket("127.0.0.1", daemonPort).close();
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (int k = 0; k < ops.size(); k++) {
            LongSupplier mine = cpu.get(k);
            if (cpu.stream().filter(c -> c == mine).count() == 1) {
                cpuSpent[k] = mine.getAsLong() - rowStart[k];
            }
        }
        double first = CloneBenchmark.median(times.get(0));
        StringBuilder line = new StringBuilder(String.format("%-16s", name));
        for (int k = 0; k < ops.size(); k++) {
            double m = CloneBenchmark.median(times.get(k));
            String spent = cpu.get(k).getAsLong() < 0 ? "n/a" : cpuSpent[k] + " ms";
            line.append(String.format("  %s %.0f ms (cpu %s, gitfn ssh / this %.2f)", names.get(k), m, spent,
                    first / m));
        }
        System.out.println(line);
    }

    /** A system user whose shell is git-shell, with the key authorised and a bare copy of the history. */
    private static Path openSshUser(Path work, Path key, Git git, Path src) throws Exception {
        Path home = Path.of("/home/gitbench");
        if (!Files.exists(home)) {
            run("useradd", "-m", "-s", "/usr/bin/git-shell", "gitbench");
        }
        run("usermod", "-p", "*", "gitbench"); // no password, but not locked: sshd refuses locked accounts
        Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(home.resolve(".ssh/authorized_keys"), Ssh.publicLine(key) + "\n");
        run("rm", "-rf", home.resolve("app.git").toString());
        git.ok(work, "clone", "-q", "--bare", src.toString(), home.resolve("app.git").toString());
        run("chown", "-R", "gitbench:gitbench", home.toString());
        run("chmod", "700", home.resolve(".ssh").toString());
        return home;
    }

    private static Process startSshd(Path work, int port, Path home) throws Exception {
        Path hostKey = work.resolve("sshd_host_ed25519_key");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString());
        Path config = work.resolve("sshd_config");
        Files.writeString(config, String.join("\n", "Port " + port, "ListenAddress 127.0.0.1",
                "HostKey " + hostKey, "PidFile " + work.resolve("sshd.pid"), "UsePAM no", "StrictModes no",
                "PasswordAuthentication no", "AuthorizedKeysFile " + home + "/.ssh/authorized_keys",
                "AcceptEnv GIT_PROTOCOL", "AllowUsers gitbench", "MaxStartups 100", ""));
        Files.createDirectories(Path.of("/run/sshd"));
        return new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("sshd.log").toFile()).start();
    }

    private static String gitExecPath() throws Exception {
        Process p = new ProcessBuilder("git", "--exec-path").start();
        String path = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return path;
    }

    private static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]))
                    * 10;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": " + out);
        }
    }

    private static void await(int port) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("nothing listens on " + port);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
