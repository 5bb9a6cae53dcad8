package io.walship.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux's {@code /proc/PID} says about a process: CPU time (utime + stime of the process, plus cutime + cstime of
 * the children it waited for, plus the utime + stime of its live descendants) and resident memory (VmRSS now, VmHWM
 * the peak). Values are read fresh on every call; a process that is gone reads as {@code -1}.
 */
final class ProcStat {
    /** USER_HZ: the unit of the times in /proc/PID/stat; 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcStat() {
    }

    /** CPU seconds of the process alone (utime + stime + cutime + cstime), or -1 if it is gone. */
    static double ownCpuSeconds(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return -1;
        }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17); f[0] is field 3.
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        return ticks / TICKS_PER_SECOND;
    }

    /** CPU seconds of the process and all its live descendants (children it waited for are in cutime). */
    static double cpuSeconds(long pid) {
        double own = ownCpuSeconds(pid);
        if (own < 0) {
            return -1;
        }
        double children = ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                .mapToDouble(h -> Math.max(0, ownCpuSeconds(h.pid()))).sum();
        return own + children;
    }

    /** VmRSS in bytes, or -1. */
    static long rssBytes(long pid) {
        long kb = statusKilobytes(pid, "VmRSS:");
        return kb < 0 ? -1 : kb * 1024;
    }

    /** VmHWM (the peak resident set) in bytes, or -1. */
    static long peakRssBytes(long pid) {
        long kb = statusKilobytes(pid, "VmHWM:");
        return kb < 0 ? -1 : kb * 1024;
    }

    private static long statusKilobytes(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).strip().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
