package io.walship.cli;

import io.walship.replicator.metrics.BuildInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes the release archive's generated files from the command model, so they always match the jar they ship with:
 * a man page per command ({@code man/walship.1}, {@code man/walship-replicate.1}, ...) and the bash completion script
 * ({@code completion/walship}). The {@code dist} module runs it during the build: {@code DistFiles OUTPUT_FOLDER}.
 */
public final class DistFiles {
    private DistFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("walship: usage: DistFiles OUTPUT_FOLDER");
            System.exit(ExitCodes.USAGE);
        }
        List<Path> written = write(Path.of(args[0]), BuildInfo.current());
        System.out.println("walship: wrote " + written.size() + " files under " + args[0]);
    }

    /** Writes every file under {@code out}; returns them. */
    static List<Path> write(Path out, BuildInfo build) throws IOException {
        List<Path> written = new ArrayList<>();
        CommandLine root = Walship.commandLine();
        Path man = Files.createDirectories(out.resolve("man"));
        for (CommandLine cl : commands(root)) {
            ManPage page = new ManPage(cl.getCommandSpec(), build);
            written.add(Files.writeString(man.resolve(page.fileName()), page.render(), StandardCharsets.UTF_8));
        }
        Path completion = Files.createDirectories(out.resolve("completion"));
        written.add(Files.writeString(completion.resolve("walship"), AutoComplete.bash("walship", root), StandardCharsets.UTF_8));
        return written;
    }

    /** The command and its visible subcommands, depth first. */
    private static List<CommandLine> commands(CommandLine cl) {
        List<CommandLine> all = new ArrayList<>();
        all.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden()) {
                all.addAll(commands(sub));
            }
        }
        return all;
    }
}
