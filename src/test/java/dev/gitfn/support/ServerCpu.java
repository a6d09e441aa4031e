package dev.gitfn.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a process (and of its reaped children) from {@code /proc/<pid>/stat}, in milliseconds. */
public final class ServerCpu {
    private ServerCpu() {
    }

    /** User and system time of the process itself. */
    public static long ownMillis(long pid) {
        String[] f = fields(pid);
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    /** Its own time and that of the children it has waited for (CGI processes). */
    public static long childrenMillis(long pid) {
        String[] f = fields(pid);
        return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10;
    }

    private static String[] fields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
