package io.walship.bench;

import java.util.List;

/**
 * Idle: a replicator on a database nobody touches. After its initial snapshot is in the replica and it has been quiet
 * for a moment, the bench watches it for 60 s: CPU seconds, resident memory (the largest VmRSS sample) and every
 * request it sends.
 */
final class IdleScenario {
    static final double SECONDS = 60;

    private IdleScenario() {
    }

    static void run(Lab lab, AppWriter app, List<Subject> subjects, Results results) throws Exception {
        double seconds = lab.options.scaledSeconds(SECONDS, 5);
        for (Subject s : subjects) {
            String who = s.name();
            Runs.Fresh f = Runs.fresh(lab, app, "idle-" + who);
            try (Subject.Running r = Runs.startReady(s, f, Subject.Settings.DEFAULTS)) {
                Thread.sleep(2000);
                int mark = lab.proxy.mark();
                double cpu0 = ProcStat.cpuSeconds(r.pid());
                try (Sampler sampler = new Sampler(r.pid(), null)) {
                    Thread.sleep((long) (seconds * 1000));
                    double cpu = ProcStat.cpuSeconds(r.pid()) - cpu0;
                    results.put("idle", who, "seconds", seconds);
                    results.put("idle", who, "cpuSeconds", cpu);
                    results.put("idle", who, "cpuSecondsPerMinute", cpu * 60 / seconds);
                    results.put("idle", who, "rssBytes", sampler.maxRssBytes());
                    results.put("idle", who, "peakRssBytes", ProcStat.peakRssBytes(r.pid()));
                    results.put("idle", who, "requests", Runs.requests(lab.proxy.since(mark), s.client()));
                }
                results.put("idle", who, "exitCode", r.stop());
            }
            System.out.printf("bench: idle: %s: %.3f CPU s in %.0f s, %.0f MiB, requests: %s%n", who,
                    results.num("idle", who, "cpuSeconds"), seconds, Lab.mib(results.num("idle", who, "rssBytes")),
                    Runs.describeRequests(results.get("idle", who, "requests")));
        }
    }
}
