package io.walship.cli;

import io.walship.replica.JsonWriter;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.litestream.Generation;
import io.walship.restore.litestream.LitestreamKeys;
import io.walship.restore.litestream.LitestreamObject;
import io.walship.restore.litestream.LitestreamOutcome;
import io.walship.restore.litestream.LitestreamReplica;
import io.walship.restore.litestream.LitestreamRestoreResult;
import io.walship.restore.litestream.LitestreamRestorer;
import io.walship.restore.litestream.ReplicaLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The Litestream branch of {@code walship restore} and {@code walship ls}: what they do when the replica holds no
 * walship objects but a layout Litestream wrote. Litestream 0.3 replicas are restored and listed; Litestream 0.5 (LTX)
 * replicas are named as such, since walship cannot read them.
 */
final class LitestreamCli {
    /** How {@code ls --json} names the layouts. */
    static final String LAYOUT_03 = "litestream-0.3";
    static final String LAYOUT_LTX = "litestream-0.5-ltx";

    private LitestreamCli() {
    }

    /** What the replica holds; a storage failure is the restore error an operator sees for it. */
    static ReplicaLayout detect(ReplicaStorage storage) throws RestoreException {
        try {
            return ReplicaLayout.detect(storage);
        } catch (IOException e) {
            throw RestoreException.fromReplica(e, storage.describe());
        }
    }

    /** Restores a Litestream replica for {@code walship restore}, prints the outcome and returns the exit code. */
    static int restore(CommandSpec spec, ReplicaLayout layout, RestoreRequest request, String generation, Clock clock)
            throws RestoreException {
        if (layout instanceof ReplicaLayout.LitestreamLtx ltx) {
            throw new RestoreException(RestoreException.Reason.NOT_RESTORABLE, ltx.message());
        }
        LitestreamReplica replica = ((ReplicaLayout.Litestream) layout).replica();
        if (request.target() instanceof RestoreTarget.AtTxid) {
            throw new ParameterException(spec.commandLine(), "--txid does not apply to " + replica.replica()
                    + ", a Litestream 0.3 replica, which has no transaction ids; restore the latest state or use"
                    + " --timestamp (and --generation)");
        }
        LitestreamOutcome outcome = new LitestreamRestorer(replica, clock).restore(request, Optional.ofNullable(generation));
        PrintWriter out = spec.commandLine().getOut();
        if (outcome instanceof LitestreamOutcome.Skipped skipped) {
            String flag = skipped.why() == RestoreOutcome.Why.OUTPUT_EXISTS ? "--if-db-not-exists" : "--if-replica-exists";
            out.println(skipped.note() + " (" + flag + ")");
        } else {
            out.println(summary(((LitestreamOutcome.Restored) outcome).result()));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The one line printed on success. */
    static String summary(LitestreamRestoreResult r) {
        return "restored " + r.output() + " from Litestream generation " + r.generation() + " to position "
                + r.position() + " (" + time(r.time()) + "), " + r.pages() + " pages, "
                + (r.integrityChecked() ? "integrity ok" : "integrity not checked");
    }

    /** Prints a Litestream replica for {@code walship ls} and returns the exit code. */
    static int ls(CommandSpec spec, ReplicaLayout layout, boolean json) {
        PrintWriter out = spec.commandLine().getOut();
        if (layout instanceof ReplicaLayout.LitestreamLtx ltx) {
            out.print(json ? JsonWriter.compact().beginObject().name("replica").value(ltx.replica())
                    .name("layout").value(LAYOUT_LTX).name("ltxFiles").value(ltx.files()).endObject().toJson() + "\n"
                    : "replica " + ltx.replica() + "\nlayout Litestream 0.5 (LTX), not readable by walship: "
                    + ltx.message() + "\n");
        } else {
            LitestreamReplica replica = ((ReplicaLayout.Litestream) layout).replica();
            out.print(json ? json(replica) + "\n" : table(replica));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The replica as one JSON object. */
    static String json(LitestreamReplica replica) {
        JsonWriter w = JsonWriter.compact().beginObject()
                .name("replica").value(replica.replica())
                .name("layout").value(LAYOUT_03)
                .name("latestGeneration").value(replica.latest().map(Generation::name).orElse(null))
                .name("generations").beginArray();
        for (Generation g : replica.generations()) {
            w.beginObject()
                    .name("generation").value(g.name())
                    .name("createdAt").value(time(g.createdAt()))
                    .name("updatedAt").value(time(g.updatedAt()))
                    .name("snapshots").beginArray();
            for (LitestreamObject s : g.snapshots()) {
                w.beginObject()
                        .name("key").value(s.key())
                        .name("index").value(s.index())
                        .name("size").value(s.size())
                        .name("time").value(time(s.createdAt()))
                        .endObject();
            }
            w.endArray().name("wal");
            if (g.segments().isEmpty()) {
                w.nullValue();
            } else {
                Generation.IndexRange range = g.walIndexes().orElseThrow();
                w.beginObject()
                        .name("firstIndex").value(range.first())
                        .name("lastIndex").value(range.last())
                        .name("segments").value(g.segments().size())
                        .name("size").value(g.segments().stream().mapToLong(LitestreamObject::size).sum())
                        .name("firstTime").value(time(first(g.segments())))
                        .name("lastTime").value(time(last(g.segments())))
                        .endObject();
            }
            w.endObject();
        }
        return w.endArray().endObject().toJson();
    }

    /** The replica as an aligned table: each snapshot, then one line for each generation's WAL segments. */
    static String table(LitestreamReplica replica) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"GENERATION", "KIND", "INDEXES", "OBJECTS", "SIZE", "FIRST TIME", "LAST TIME"});
        for (Generation g : replica.generations()) {
            for (LitestreamObject s : g.snapshots()) {
                rows.add(new String[] {g.name(), "snapshot", LitestreamKeys.hex(s.index()), "1",
                        Long.toString(s.size()), time(s.createdAt()), time(s.createdAt())});
            }
            g.walIndexes().ifPresent(range -> rows.add(new String[] {g.name(), "wal",
                    LitestreamKeys.hex(range.first()) + "-" + LitestreamKeys.hex(range.last()),
                    Integer.toString(g.segments().size()),
                    Long.toString(g.segments().stream().mapToLong(LitestreamObject::size).sum()),
                    time(first(g.segments())), time(last(g.segments()))}));
        }
        StringBuilder b = new StringBuilder("replica ").append(replica.replica()).append('\n')
                .append("layout Litestream 0.3 (no walship objects): 'walship restore' restores the newest generation,"
                        + " or the one --generation names\n");
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        boolean[] numeric = {false, false, false, true, true, false, false};
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(width[i] - row[i].length());
                line.append(i == 0 ? "" : "  ").append(numeric[i] ? pad + row[i] : row[i] + pad);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.append("latest generation ").append(replica.latest().map(Generation::name).orElse("-")).append('\n')
                .toString();
    }

    private static Instant first(List<LitestreamObject> objects) {
        return objects.stream().map(LitestreamObject::createdAt).min(Instant::compareTo).orElseThrow();
    }

    private static Instant last(List<LitestreamObject> objects) {
        return objects.stream().map(LitestreamObject::createdAt).max(Instant::compareTo).orElseThrow();
    }

    /** Object times in full precision: a time copied from here to --timestamp must not fall before the object's. */
    private static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
