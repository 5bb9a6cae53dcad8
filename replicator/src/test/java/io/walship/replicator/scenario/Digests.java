package io.walship.replicator.scenario;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HexFormat;

/** The digest interactive_app.py reports: SHA-256 over "id|v|n\n" of every items row in id order. */
final class Digests {
    private Digests() {
    }

    static String items(Path db) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT id, v, n FROM items ORDER BY id")) {
            while (rs.next()) {
                md.update((rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getLong(3) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
