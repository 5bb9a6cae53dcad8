package io.walship.cli;

import io.walship.config.ConfigException;
import io.walship.config.InvalidReplicaLocationException;
import io.walship.replica.StorageException;
import io.walship.replicator.metrics.BuildInfo;
import io.walship.restore.RestoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code walship} command line. {@link #main} only exits; everything else is in {@link #commandLine()}, so tests
 * run the real command line with {@link CommandLine#execute} and read its exit code.
 *
 * <p>Every failure ends as one line on stderr starting with {@code walship: } and an exit code from {@link ExitCodes};
 * stack traces are logged at DEBUG only ({@code WALSHIP_LOG_LEVEL=DEBUG}).
 */
@Command(name = "walship", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = Walship.Version.class,
        description = "Continuous replication of SQLite databases to object storage, and point-in-time restore.",
        subcommands = {ReplicateCommand.class, RestoreCommand.class, LsCommand.class, VerifyCommand.class, StatusCommand.class,
            DatabasesCommand.class, VersionCommand.class})
public final class Walship implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Walship.class);

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: exit-code mapping, error format and exit code help on every command. */
    public static CommandLine commandLine() {
        return commandLine(ReplicaOpener.FROM_ENVIRONMENT);
    }

    /** The command line with replicas opened by {@code opener}: the seam tests use to see what each command parsed. */
    static CommandLine commandLine(ReplicaOpener opener) {
        CommandLine cl = new CommandLine(new Walship());
        cl.setParameterExceptionHandler(Walship::usageError);
        cl.setExecutionExceptionHandler(Walship::failure);
        // status and databases declare their own lists, with what 0 and 2 mean for them.
        exitCodeHelp(cl, ExitCodes.helpList(ExitCodes.ALL));
        Map<String, String> replicate = ExitCodes.helpList(ExitCodes.REPLICATE);
        replicate.put(" N", "with -exec: the app's own exit code, after the final sync");
        exitCodeHelp(cl.getSubcommands().get("replicate"), replicate);
        exitCodeHelp(cl.getSubcommands().get("restore"), ExitCodes.helpList(ExitCodes.RESTORE));
        exitCodeHelp(cl.getSubcommands().get("ls"), ExitCodes.helpList(ExitCodes.LS));
        exitCodeHelp(cl.getSubcommands().get("verify"), ExitCodes.helpList(ExitCodes.VERIFY));
        ((ReplicateCommand) cl.getSubcommands().get("replicate").getCommand()).opener = opener;
        ((RestoreCommand) cl.getSubcommands().get("restore").getCommand()).opener = opener;
        ((LsCommand) cl.getSubcommands().get("ls").getCommand()).opener = opener;
        ((VerifyCommand) cl.getSubcommands().get("verify").getCommand()).opener = opener;
        return cl;
    }

    /** {@code walship} without a command is a usage error, not a silent success. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: give one of replicate, restore, ls, verify, status, databases or version");
    }

    private static void exitCodeHelp(CommandLine cl, Map<String, String> codes) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
    }

    /** Reports a usage error (picocli's own, or one a command raises) as one line and exit code 2. */
    static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("walship: " + oneLine(e.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName()
                + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    /** Maps what a command threw to one line on stderr and an exit code. */
    static int failure(Exception e, CommandLine cmd, ParseResult parsed) {
        int code;
        String message;
        if (e instanceof RestoreException r && r.getCause() instanceof StorageException storage) {
            code = ExitCodes.of(storage.problem());
            message = r.getMessage();
        } else if (e instanceof RestoreException r) {
            code = ExitCodes.of(r.reason());
            message = r.getMessage();
        } else if (e instanceof StorageException storage) {
            code = ExitCodes.of(storage.problem());
            message = storage.getMessage();
        } else if (e instanceof InvalidReplicaLocationException || e instanceof ConfigException) {
            code = ExitCodes.USAGE;
            message = e.getMessage();
        } else if (e instanceof IOException) {
            code = ExitCodes.IO_ERROR;
            message = "I/O error: " + e + "; check the path, free space and permissions, then retry";
        } else {
            code = ExitCodes.INTERNAL_ERROR;
            message = "internal error: " + e + "; this is a bug: rerun with WALSHIP_LOG_LEVEL=DEBUG for the stack"
                    + " trace and report it";
        }
        log.debug("{} failed", cmd.getCommandSpec().qualifiedName(), e);
        PrintWriter err = cmd.getErr();
        err.println("walship: " + oneLine(message));
        err.flush();
        return code;
    }

    /** Error messages go to terminals and log collectors line by line; a message must stay on one. */
    static String oneLine(String message) {
        return message == null ? "(no message)" : message.replaceAll("\\s*[\\r\\n]+\\s*", "; ").trim();
    }

    /** {@code walship --version}: the same lines as {@code walship version}. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return VersionCommand.lines(BuildInfo.current()).toArray(String[]::new);
        }
    }
}
