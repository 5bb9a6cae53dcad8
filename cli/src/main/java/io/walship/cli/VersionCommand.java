package io.walship.cli;

import io.walship.replicator.metrics.BuildInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code walship version}: which walship this is (version, git commit, build time) and the Java it runs on, the first
 * thing a bug report needs. {@code walship --version} prints the same.
 */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print walship's version, the git commit it was built from, its build time and the Java it runs on.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:always"})
public final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        lines(BuildInfo.current()).forEach(out::println);
        out.flush();
        return ExitCodes.OK;
    }

    /** {@code walship 0.1.0}, then the commit, the build time and the Java runtime, one per line. */
    static List<String> lines(BuildInfo build) {
        return List.of("walship " + build.version(),
                "commit " + build.commit() + (build.dirty() ? " (with uncommitted changes)" : ""),
                "built " + build.buildTime(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")");
    }
}
