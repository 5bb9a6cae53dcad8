package io.walship.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical content digest shared with {@code writer.py}: SHA-256 over {@code "{id}|{v}|{n}\n"} for each
 * items row by id, then {@code "B{id}|{len}|{sha256 hex}\n"} for each blobs row by id. Missing tables contribute
 * nothing, so a database without the writer's schema has the digest of the empty state (i = 0).
 */
public final class Digest {
    private Digest() {
    }

    /** What a database (restored or source) holds: the writer's progress i and the content digest. */
    public record State(long i, String digest) {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    public static String empty() {
        return hex(sha256().digest());
    }

    public static String itemLine(long id, String v, long n) {
        return id + "|" + v + "|" + n + "\n";
    }

    /** Reads progress.tx (0 when the table or row is missing) and the digest of items and blobs. */
    public static State read(Connection c) throws SQLException {
        boolean items = tableExists(c, "items");
        boolean blobs = tableExists(c, "blobs");
        long i = 0;
        if (tableExists(c, "progress")) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tx FROM progress WHERE k = 0")) {
                if (rs.next()) {
                    i = rs.getLong(1);
                }
            }
        }
        MessageDigest md = sha256();
        if (items) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v, n FROM items ORDER BY id")) {
                while (rs.next()) {
                    md.update(itemLine(rs.getLong(1), rs.getString(2), rs.getLong(3)).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        if (blobs) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM blobs ORDER BY id");
                 PreparedStatement one = c.prepareStatement("SELECT b FROM blobs WHERE id = ?")) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    one.setLong(1, id);
                    try (ResultSet b = one.executeQuery()) {
                        b.next();
                        byte[] bytes = b.getBytes(1);
                        String line = "B" + id + "|" + bytes.length + "|" + hex(sha256().digest(bytes)) + "\n";
                        md.update(line.getBytes(StandardCharsets.US_ASCII));
                    }
                }
            }
        }
        return new State(i, hex(md.digest()));
    }

    static boolean tableExists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Reads a writer's digest file ({@code "i digest"} per line); fails unless i runs 0, 1, 2, ... without holes. */
    public static TreeMap<Long, String> readFile(Path file) throws IOException {
        TreeMap<Long, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 2) {
                continue;
            }
            // The writer records a transaction right before its commit; a later line for the same i is that
            // transaction written again after a run was killed before its commit took effect, and replaces it.
            out.put(Long.parseLong(parts[0]), parts[1]);
        }
        long expect = 0;
        for (Map.Entry<Long, String> e : out.entrySet()) {
            if (e.getKey() != expect) {
                throw new IllegalStateException(file + ": digest lines jump from i=" + (expect - 1) + " to i=" + e.getKey());
            }
            expect++;
        }
        if (out.isEmpty()) {
            throw new IllegalStateException(file + " has no digest lines");
        }
        return out;
    }
}
