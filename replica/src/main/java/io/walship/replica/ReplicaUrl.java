package io.walship.replica;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Opens a replica from the way users name it:
 * <ul>
 *   <li>{@code file:///abs/path}, {@code file://./relative} or a plain path: a folder;</li>
 *   <li>{@code s3://BUCKET/PATH?endpoint=...&region=...}: an S3-compatible bucket. Query options: {@code endpoint},
 *       {@code region}, {@code force-path-style} (default true with an endpoint), {@code skip-verify} (default false),
 *       {@code storage-class}, {@code part-size} (default 16MiB), {@code concurrency} (default 4), {@code checksum}
 *       ({@code when-required}, the default with an endpoint, or {@code when-supported}, the default for AWS),
 *       {@code access-key-id} and {@code secret-access-key}.</li>
 * </ul>
 */
public final class ReplicaUrl {
    private static final Set<String> S3_KEYS = Set.of("endpoint", "region", "force-path-style", "skip-verify", "storage-class",
            "part-size", "concurrency", "checksum", "access-key-id", "secret-access-key");

    private ReplicaUrl() {
    }

    /** Thrown for a replica URL walship cannot use; the message names the URL (without secrets) and what to do. */
    public static final class InvalidReplicaUrlException extends IllegalArgumentException {
        public InvalidReplicaUrlException(String message) {
            super(message);
        }
    }

    public static ReplicaStorage open(String url) {
        return open(url, System.getenv());
    }

    /** Opens the replica; {@code env} supplies {@code WALSHIP_ACCESS_KEY_ID} and {@code WALSHIP_SECRET_ACCESS_KEY}. */
    public static ReplicaStorage open(String url, Map<String, String> env) {
        if (url == null || url.isBlank()) {
            throw new InvalidReplicaUrlException("replica URL is empty; give a folder path, file:///path or s3://bucket/path");
        }
        if (url.startsWith("s3://")) {
            return new S3ReplicaStorage(s3Options(url), env);
        }
        if (url.startsWith("file:")) {
            return new FileReplicaStorage(filePath(url));
        }
        int scheme = url.indexOf("://");
        if (scheme > 0) {
            throw new InvalidReplicaUrlException("replica URL " + redact(url) + ": scheme '" + url.substring(0, scheme)
                    + "' is not supported; use a folder path, file:///path or s3://bucket/path");
        }
        return new FileReplicaStorage(Path.of(url));
    }

    /** Parses an {@code s3://} URL into options, checking every query key and value. */
    public static S3Options s3Options(String url) {
        String shown = redact(url);
        String rest = url.substring("s3://".length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!bucket.matches("[a-z0-9][a-z0-9.\\-_]{1,62}")) {
            throw new InvalidReplicaUrlException("replica URL " + shown + ": '" + bucket + "' is not a valid bucket name;"
                    + " write s3://BUCKET/PATH");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            String v = eq < 0 ? "true" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!S3_KEYS.contains(k)) {
                throw new InvalidReplicaUrlException("replica URL " + shown + ": unknown option '" + k + "'; known options: "
                        + String.join(", ", new java.util.TreeSet<>(S3_KEYS)));
            }
            opts.put(k, v);
        }
        try {
            URI endpoint = null;
            if (opts.containsKey("endpoint")) {
                String e = opts.get("endpoint");
                endpoint = new URI(e.contains("://") ? e : "https://" + e);
                if (endpoint.getHost() == null) {
                    throw new InvalidReplicaUrlException("replica URL " + shown + ": endpoint '" + e + "' has no host");
                }
            }
            boolean custom = endpoint != null;
            boolean pathStyle = bool(opts.getOrDefault("force-path-style", Boolean.toString(custom)), "force-path-style", shown);
            boolean skipVerify = bool(opts.getOrDefault("skip-verify", "false"), "skip-verify", shown);
            String checksum = opts.getOrDefault("checksum", custom ? "when-required" : "when-supported");
            if (!checksum.equals("when-required") && !checksum.equals("when-supported")) {
                throw new InvalidReplicaUrlException("replica URL " + shown + ": checksum must be when-required or when-supported");
            }
            long partSize = opts.containsKey("part-size") ? size(opts.get("part-size"), shown) : S3Options.DEFAULT_PART_SIZE;
            int concurrency;
            try {
                concurrency = opts.containsKey("concurrency") ? Integer.parseInt(opts.get("concurrency")) : S3Options.DEFAULT_CONCURRENCY;
            } catch (NumberFormatException e) {
                throw new InvalidReplicaUrlException("replica URL " + shown + ": concurrency must be a whole number from 1 to 64, not '"
                        + opts.get("concurrency") + "'");
            }
            return new S3Options(bucket, prefix, endpoint, opts.get("region"), pathStyle, skipVerify, opts.get("storage-class"),
                    partSize, concurrency, checksum.equals("when-required"), opts.get("access-key-id"), opts.get("secret-access-key"));
        } catch (URISyntaxException e) {
            throw new InvalidReplicaUrlException("replica URL " + shown + ": endpoint is not a valid URL: " + e.getMessage());
        } catch (InvalidReplicaUrlException e) {
            throw e;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InvalidReplicaUrlException("replica URL " + shown + ": " + e.getMessage());
        }
    }

    private static boolean bool(String v, String key, String shown) {
        if (v.equalsIgnoreCase("true") || v.equals("1")) {
            return true;
        }
        if (v.equalsIgnoreCase("false") || v.equals("0")) {
            return false;
        }
        throw new InvalidReplicaUrlException("replica URL " + shown + ": " + key + " must be true or false, not '" + v + "'");
    }

    /** Sizes as in the config file: a number of bytes, or with KB/MB/GB (powers of 1000) or KiB/MiB/GiB (of 1024). */
    private static long size(String v, String shown) {
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*([kmg]i?b)?", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(v.trim());
        if (!m.matches()) {
            throw new InvalidReplicaUrlException("replica URL " + shown + ": part-size '" + v + "' is not a size; write e.g. 16MiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        long base = unit.contains("i") ? 1024 : 1000;
        int power = unit.isEmpty() ? 0 : "kmg".indexOf(unit.charAt(0)) + 1;
        for (int i = 0; i < power; i++) {
            n = Math.multiplyExact(n, base);
        }
        return n;
    }

    /** The URL with any secret-access-key value masked, for messages. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(secret-access-key=)[^&]*", "$1****");
    }

    private static Path filePath(String url) {
        String rest = url.substring("file:".length());
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
            // file://./backup and file://backup are relative paths as users write them; file:///x is absolute.
            if (!rest.startsWith("/")) {
                return Path.of(rest);
            }
        }
        try {
            return Path.of(new URI("file", null, rest, null));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new InvalidReplicaUrlException("replica URL " + url + " is not a valid file URL: " + e.getMessage());
        }
    }
}
