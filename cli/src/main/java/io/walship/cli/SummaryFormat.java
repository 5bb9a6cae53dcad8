package io.walship.cli;

import io.walship.replica.JsonWriter;
import io.walship.restore.ReplicaSummary;
import io.walship.restore.RestorableHistory;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * A replica's {@link ReplicaSummary} as {@code ls} and {@code verify} print it: text lines for people and a JSON object
 * for scripts. JSON strings go through the same quoting as the rest of the CLI's JSON ({@link LsCommand#string}).
 */
final class SummaryFormat {
    private SummaryFormat() {
    }

    /**
     * The summary as text lines, each ending in a newline:
     * <pre>
     * restorable: txids 1..1200 (2026-11-26T00:00:01Z to 2026-11-26T04:00:00Z)
     * gap: txids 1201..1300 cannot be restored
     * objects: 2 snapshots (81920 bytes), 145 segments (1048576 bytes)
     * </pre>
     */
    static String text(ReplicaSummary summary) {
        StringBuilder b = new StringBuilder();
        RestorableHistory history = summary.history();
        if (history.windows().isEmpty()) {
            b.append("restorable: nothing (no usable snapshot)\n");
        }
        for (RestorableHistory.Window w : history.windows()) {
            b.append("restorable: ").append(w.firstTxid() == w.lastTxid() ? "txid " + w.firstTxid()
                            : "txids " + w.firstTxid() + ".." + w.lastTxid())
                    .append(" (").append(time(w.firstTime())).append(" to ").append(time(w.lastTime())).append(")\n");
        }
        for (RestorableHistory.Gap g : history.gaps()) {
            b.append("gap: ").append(g.describe()).append(" cannot be restored\n");
        }
        return b.append("objects: ").append(count(summary.snapshots(), "snapshot")).append(", ")
                .append(count(summary.segments(), "segment")).append('\n').toString();
    }

    /**
     * The summary as one JSON object:
     * {@code {"windows":[{"firstTxid","firstTime","lastTxid","lastTime"}],"gaps":[{"firstTxid","lastTxid"}],
     * "snapshots":{"count","bytes"},"segments":{"count","bytes"}}}.
     */
    static void json(JsonWriter w, ReplicaSummary summary) {
        RestorableHistory history = summary.history();
        w.beginObject().name("windows").beginArray();
        for (RestorableHistory.Window win : history.windows()) {
            w.beginObject()
                    .name("firstTxid").value(win.firstTxid())
                    .name("firstTime").value(time(win.firstTime()))
                    .name("lastTxid").value(win.lastTxid())
                    .name("lastTime").value(time(win.lastTime()))
                    .endObject();
        }
        w.endArray().name("gaps").beginArray();
        for (RestorableHistory.Gap g : history.gaps()) {
            w.beginObject().name("firstTxid").value(g.firstTxid()).name("lastTxid").value(g.lastTxid()).endObject();
        }
        w.endArray().name("snapshots");
        totals(w, summary.snapshots());
        w.name("segments");
        totals(w, summary.segments());
        w.endObject();
    }

    private static void totals(JsonWriter w, ReplicaSummary.Totals t) {
        w.beginObject().name("count").value(t.count()).name("bytes").value(t.bytes()).endObject();
    }

    private static String count(ReplicaSummary.Totals t, String kind) {
        return t.count() + " " + kind + (t.count() == 1 ? "" : "s") + " (" + t.bytes() + " bytes)";
    }

    static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
