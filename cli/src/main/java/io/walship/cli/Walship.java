package io.walship.cli;

import io.walship.replica.ReplicaUrl;
import io.walship.replica.StorageException;
import io.walship.restore.RestoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
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
            DatabasesCommand.class})
public final class Walship implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Walship.class);

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: exit-code mapping, error format and exit code help on every command. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Walship());
        cl.setParameterExceptionHandler(Walship::usageError);
        cl.setExecutionExceptionHandler(Walship::failure);
        int[] all = {ExitCodes.OK, ExitCodes.INTERNAL_ERROR, ExitCodes.USAGE, ExitCodes.NOT_RESTORABLE,
                ExitCodes.CORRUPT_OBJECT, ExitCodes.OUTPUT_EXISTS, ExitCodes.INTEGRITY_FAILED, ExitCodes.IO_ERROR};
        exitCodeHelp(cl, all);
        exitCodeHelp(cl.getSubcommands().get("restore"), all);
        exitCodeHelp(cl.getSubcommands().get("ls"), ExitCodes.OK, ExitCodes.INTERNAL_ERROR, ExitCodes.USAGE,
                ExitCodes.NOT_RESTORABLE, ExitCodes.CORRUPT_OBJECT, ExitCodes.IO_ERROR);
        exitCodeHelp(cl.getSubcommands().get("verify"), ExitCodes.OK, ExitCodes.INTERNAL_ERROR, ExitCodes.USAGE,
                ExitCodes.NOT_RESTORABLE, ExitCodes.CORRUPT_OBJECT, ExitCodes.INTEGRITY_FAILED, ExitCodes.IO_ERROR);
        return cl;
    }

    /** {@code walship} without a command is a usage error, not a silent success. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: give one of replicate, restore, ls or verify");
    }

    private static void exitCodeHelp(CommandLine cl, int... codes) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.helpList(codes));
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
        } else if (e instanceof ReplicaUrl.InvalidReplicaUrlException) {
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

    /** The version Maven recorded in the jar, or a marker when running from classes (tests, IDE). */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = null;
            try (InputStream in = Walship.class.getResourceAsStream("/META-INF/maven/io.walship/walship-cli/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    version = p.getProperty("version");
                }
            } catch (IOException e) {
                // Fall through to the marker.
            }
            if (version == null) {
                version = "development build";
            }
            return new String[] {"walship " + version, "Java " + Runtime.version()};
        }
    }
}
