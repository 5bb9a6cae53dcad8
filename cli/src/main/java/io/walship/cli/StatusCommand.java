package io.walship.cli;

import io.walship.config.ConfigException;
import io.walship.config.WalshipConfig;
import io.walship.replicator.metrics.DaemonStatus;
import io.walship.replicator.metrics.ListenAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code walship status}: asks a running daemon how replication goes ({@code GET /status} at the configuration's
 * {@code addr}, or {@code --addr}) and prints it per database. It asks the daemon rather than reading the spool or the
 * replicas itself, so it shows exactly what the daemon knows (its positions, its retrying errors) and never competes
 * with it for the database.
 */
@Command(name = "status", sortOptions = false,
        description = {"Show what a running walship daemon is doing: per database the local txid, the txid each replica"
                + " holds, the replication lag, the spool size and the last error.",
            "",
            "The daemon is asked over HTTP (GET /status) at the configuration file's addr, or at --addr. With --json,"
                + " print the daemon's JSON document as it answered."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the daemon answered (whether or not it is ready)", "1:unexpected internal error",
            "2:usage error: bad option, or the config file is missing, invalid or sets no addr",
            "13:no walship daemon answers at the address"})
public final class StatusCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StatusCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    DatabasesCommand.ConfigFile config;

    @Option(names = "--addr", paramLabel = "HOST:PORT",
            description = "Ask the daemon at this address instead of the config file's addr, e.g. 127.0.0.1:9090.")
    String addr;

    @Option(names = "--json", description = "Print the daemon's JSON status document instead of a summary.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        ListenAddress where;
        if (addr != null) {
            try {
                where = ListenAddress.parse(addr);
            } catch (IllegalArgumentException e) {
                return fail(ExitCodes.USAGE, "--addr " + e.getMessage());
            }
        } else {
            WalshipConfig c;
            try {
                c = config.load();
            } catch (ConfigException e) {
                return DatabasesCommand.ConfigFile.fail(spec, e);
            }
            if (c.addr() == null) {
                return fail(ExitCodes.USAGE, c.source() + " sets no addr, so the daemon serves no status; add e.g."
                        + " 'addr: 127.0.0.1:9090' to it and restart walship, or pass --addr");
            }
            where = ListenAddress.parse(c.addr());
        }
        String asked = where.clientUrl().substring("http://".length());
        String unreachable = "no walship daemon answers at " + asked + "; start 'walship replicate' with addr set, or pass --addr";
        HttpResponse<String> response;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(where.clientUrl() + "/status"))
                    .timeout(Duration.ofSeconds(10)).header("Accept", "application/json").GET().build();
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            log.debug("GET /status at {} failed", asked, e);
            return fail(ExitCodes.DAEMON_UNREACHABLE, unreachable);
        }
        if (response.statusCode() != 200) {
            return fail(ExitCodes.DAEMON_UNREACHABLE, unreachable + " (" + asked + " answered HTTP " + response.statusCode()
                    + " to GET /status: another program holds the port?)");
        }
        DaemonStatus status;
        try {
            status = DaemonStatus.fromJson(response.body());
        } catch (IllegalArgumentException e) {
            return fail(ExitCodes.DAEMON_UNREACHABLE, unreachable + " (" + asked + " answered GET /status with something"
                    + " that is not walship's status: " + e.getMessage() + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            String body = response.body();
            out.print(body.endsWith("\n") ? body : body + "\n");
        } else {
            out.print(render(asked, status, terminalWidth()));
        }
        out.flush();
        return ExitCodes.OK;
    }

    private int fail(int code, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("walship: " + Walship.oneLine(message));
        err.flush();
        return code;
    }

    /** The width the table is cut to: the terminal's ({@code COLUMNS}, which shells export), else 120. */
    static int terminalWidth() {
        try {
            int columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "").strip());
            return columns >= 40 ? columns : DEFAULT_WIDTH;
        } catch (NumberFormatException e) {
            return DEFAULT_WIDTH;
        }
    }

    static final int DEFAULT_WIDTH = 120;
    /** The error column never gets narrower than this, even when the other columns leave less room. */
    static final int MIN_ERROR_WIDTH = 24;
    static final String CUT = "...";

    /**
     * The status as people read it: the daemon's readiness, then a block per database with a table of its replicas.
     * The last error is the table's last column and is cut to fit {@code width}; {@code --json} has the full text.
     */
    static String render(String asked, DaemonStatus s, int width) {
        boolean cut = false;
        StringBuilder b = new StringBuilder("walship daemon at ").append(asked).append(": ")
                .append(s.ready() ? "ready" : "NOT READY: " + Walship.oneLine(s.notReadyReason())).append('\n');
        for (DaemonStatus.DatabaseStatus d : s.databases()) {
            b.append('\n').append(d.path()).append('\n');
            b.append("  local txid ").append(d.localTxid())
                    .append(d.capturedTime() == null ? ", nothing captured yet" : ", captured " + d.capturedTime())
                    .append(", spool ").append(bytes(d.spoolBytes()))
                    .append(d.capturing() ? ", capturing" : ", not capturing").append('\n');
            if (d.failure() != null) {
                b.append("  FAILED: ").append(Walship.oneLine(d.failure())).append('\n');
            }
            if (d.lastCaptureError() != null) {
                b.append("  last capture error: ").append(Walship.oneLine(d.lastCaptureError())).append('\n');
            }
            if (!d.spoolDropped().isEmpty()) {
                b.append("  SPOOL FULL: dropped txids ").append(d.spoolDropped().stream().map(Object::toString)
                        .collect(java.util.stream.Collectors.joining(", "))).append(" before every replica had them (a gap"
                        + " in the replicas that lacked them; see max-spool-size)\n");
            }
            if (d.replicas().isEmpty()) {
                b.append("  no replica started yet\n");
                continue;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"REPLICA", "TXID", "LAG", "LAST SHIPPED", "URL", "LAST ERROR"});
            for (DaemonStatus.ReplicaStatus r : d.replicas()) {
                String error = r.failure() != null ? "FAILED: " + Walship.oneLine(r.failure())
                        : r.lastError() != null ? Walship.oneLine(r.lastError()) : "-";
                rows.add(new String[] {r.name(), Long.toString(r.replicatedTxid()), lag(r.lagSeconds()),
                        r.lastShipped() == null ? "-" : r.lastShipped().toString(), r.url(), error});
            }
            // The columns before the error, each as wide as its widest cell, two spaces apart, after the indent.
            int used = 2;
            for (int col = 0; col < 5; col++) {
                int w = 0;
                for (String[] row : rows) {
                    w = Math.max(w, row[col].length());
                }
                used += w + 2;
            }
            int room = Math.max(MIN_ERROR_WIDTH, width - used);
            for (String[] row : rows) {
                if (row[5].length() > room) {
                    row[5] = row[5].substring(0, room - CUT.length()) + CUT;
                    cut = true;
                }
            }
            b.append(DatabasesCommand.align(rows, "  "));
        }
        if (cut) {
            b.append("\n(errors cut to fit; 'walship status --json' has their full text)\n");
        }
        if (s.time() != null) {
            b.append("\nas of ").append(s.time()).append(" (daemon clock)\n");
        }
        return b.toString();
    }

    private static String lag(double seconds) {
        return String.format(Locale.ROOT, "%.1fs", seconds);
    }

    /** Bytes in binary units, as {@code ls -h} shows them. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        do {
            v /= 1024;
            u++;
        } while (v >= 1024 && u < units.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
