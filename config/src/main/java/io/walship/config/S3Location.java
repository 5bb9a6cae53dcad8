package io.walship.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An S3 replica location as walship's storage layer takes it: {@code s3://BUCKET/PATH?option=value&...}. This class
 * owns that syntax on the configuration side: it reads such a URL (including the provider host names Litestream
 * understands, such as {@code BUCKET.nyc3.digitaloceanspaces.com}), checks every option value so a mistake is
 * reported with the file and line, lets separate configuration keys override the URL's options, and writes the URL
 * back. It is mutable while a replica is being read and is never shared.
 *
 * <p>Option values are percent-encoded only where walship's URL reader would otherwise misread them ({@code % + & = #
 * ?}, spaces and non-ASCII), so an endpoint stays readable in {@code describe()}.
 */
final class S3Location {
    /** Every query option, in the order they are written back. */
    static final List<String> OPTIONS = List.of("endpoint", "region", "force-path-style", "skip-verify", "storage-class",
            "part-size", "concurrency", "checksum", "access-key-id", "secret-access-key");

    /** S3's smallest allowed multipart part (except the last part), and its largest. */
    static final long MIN_PART_SIZE = 5L << 20;
    static final long MAX_PART_SIZE = 5L << 30;
    static final int MAX_CONCURRENCY = 64;

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.\\-_]{2,62}");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._\\-]+");

    // Provider host names Litestream 0.3.13 maps to bucket, region and endpoint (s3.ParseHost).
    private static final Pattern LOCALHOST = Pattern.compile("^(?:(.+)\\.)?localhost$");
    private static final Pattern BACKBLAZE = Pattern.compile("^(?:(.+)\\.)?s3.([^.]+)\\.backblazeb2.com$");
    private static final Pattern FILEBASE = Pattern.compile("^(?:(.+)\\.)?s3.filebase.com$");
    private static final Pattern DIGITAL_OCEAN = Pattern.compile("^(?:(.+)\\.)?([^.]+)\\.digitaloceanspaces.com$");
    private static final Pattern SCALEWAY = Pattern.compile("^(?:(.+)\\.)?s3.([^.]+)\\.scw\\.cloud$");
    private static final Pattern LINODE = Pattern.compile("^(?:(.+)\\.)?([^.]+)\\.linodeobjects.com$");

    private String bucket;
    private String prefix = "";
    private final Map<String, String> options = new LinkedHashMap<>();

    /**
     * Reads an {@code s3://} URL; options in its query override what a provider host name implies.
     *
     * @throws IllegalArgumentException with a message that does not repeat the URL (the caller shows it redacted)
     */
    static S3Location parse(String url) {
        if (!url.regionMatches(true, 0, "s3://", 0, 5)) {
            throw new IllegalArgumentException("not an s3:// URL");
        }
        String rest = url.substring(5);
        if (rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("'#' is not allowed in an s3 URL");
        }
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String host = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (host.contains("@")) {
            throw new IllegalArgumentException("credentials in the URL's user part are not supported; "
                    + "give them as access-key-id and secret-access-key");
        }
        S3Location loc = new S3Location();
        loc.fromHost(host);
        loc.setPath(path);
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            String v = eq < 0 ? "true" : decode(pair.substring(eq + 1));
            if (!OPTIONS.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "' in the URL's query; known options: "
                        + String.join(", ", OPTIONS.stream().sorted().toList()));
            }
            try {
                loc.set(k, v);
            } catch (IllegalArgumentException e) {
                String hint = k.endsWith("-key") || k.endsWith("-id") ? "; in a URL a '+' means a space, write it as "
                        + "%2B, or give the credential as a separate key" : "";
                throw new IllegalArgumentException("option " + k + " in the URL's query: " + e.getMessage() + hint, e);
            }
        }
        return loc;
    }

    /** An empty location, for replicas given with separate keys. */
    static S3Location empty() {
        return new S3Location();
    }

    String bucket() {
        return bucket;
    }

    boolean has(String option) {
        return options.containsKey(option);
    }

    /** Sets the bucket after checking it is a name S3 and walship accept. */
    void setBucket(String name) {
        if (!BUCKET.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid bucket name; use 3 to 63 lowercase letters, "
                    + "digits, '.', '-' or '_', without s3:// or a path");
        }
        this.bucket = name;
    }

    /** Sets the path inside the bucket, dropping empty and {@code .} segments as Litestream's path cleaning does. */
    void setPath(String path) {
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                throw new IllegalArgumentException("'..' is not allowed in the path inside the bucket");
            }
            if (s.indexOf('?') >= 0 || s.indexOf('#') >= 0 || s.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("the path inside the bucket may not contain '?', '#' or control "
                        + "characters");
            }
            segments.add(s);
        }
        this.prefix = String.join("/", segments);
    }

    /**
     * Sets one option after checking and normalising its value.
     *
     * @throws IllegalArgumentException saying what is wrong; for credentials it never repeats the value
     */
    void set(String option, String value) {
        String v = value.strip();
        String normal = switch (option) {
            case "endpoint" -> endpoint(v);
            case "region" -> word(v, "a region such as us-east-1");
            case "storage-class" -> word(v, "a storage class such as STANDARD or STANDARD_IA");
            case "force-path-style", "skip-verify" -> {
                Boolean b = Booleans.parse(v);
                if (b == null) {
                    throw new IllegalArgumentException("'" + value + "' is not true or false");
                }
                yield b.toString();
            }
            case "part-size" -> Long.toString(partSize(v));
            case "concurrency" -> Integer.toString(concurrency(v));
            case "checksum" -> {
                String c = v.toLowerCase(Locale.ROOT);
                if (!c.equals("when-required") && !c.equals("when-supported")) {
                    throw new IllegalArgumentException("'" + value + "' is not a checksum mode; write when-required "
                            + "(S3-compatible services) or when-supported (AWS)");
                }
                yield c;
            }
            case "access-key-id", "secret-access-key" -> {
                if (v.isEmpty() || v.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                    throw new IllegalArgumentException("the credential is empty or contains whitespace; check the "
                            + "value (and its environment variable)");
                }
                yield v;
            }
            default -> throw new IllegalArgumentException("unknown option " + option);
        };
        options.put(option, normal);
    }

    /** What makes two S3 replicas the same place: endpoint, bucket and path, without credentials or tuning. */
    String locationKey() {
        return options.getOrDefault("endpoint", "aws") + " " + bucket + "/" + prefix;
    }

    /** Writes the URL walship's storage layer opens; it holds credentials, so only its redacted form may be shown. */
    String toUrl() {
        StringBuilder b = new StringBuilder("s3://").append(bucket);
        if (!prefix.isEmpty()) {
            b.append('/').append(prefix);
        }
        char sep = '?';
        for (String k : OPTIONS) {
            String v = options.get(k);
            if (v != null) {
                b.append(sep).append(k).append('=').append(encode(v));
                sep = '&';
            }
        }
        return b.toString();
    }

    /** The URL with credentials masked as {@code ****}, for messages, logs and {@code toString()}. */
    static String redact(String url) {
        return url.replaceAll("(?i)((?:secret-access-key|access-key-id)=)[^&#]*", "$1****")
                .replaceAll("^([A-Za-z][A-Za-z0-9+.\\-]*://)[^/?#]*@", "$1****@");
    }

    private void fromHost(String hostAndPort) {
        String host = hostAndPort;
        String port = null;
        int colon = hostAndPort.lastIndexOf(':');
        if (colon >= 0 && hostAndPort.indexOf(']') < colon) {
            host = hostAndPort.substring(0, colon);
            port = hostAndPort.substring(colon + 1);
            if (!port.matches("\\d{1,5}")) {
                throw new IllegalArgumentException("'" + hostAndPort + "' is not a bucket name");
            }
        }
        String b;
        String region = null;
        String endpoint = null;
        String scheme = "https";
        Matcher m;
        if ((m = LOCALHOST.matcher(host)).matches()) {
            b = m.group(1);
            region = "us-east-1";
            scheme = "http";
            endpoint = "localhost";
        } else if ((m = BACKBLAZE.matcher(host)).matches()) {
            b = m.group(1);
            region = m.group(2);
            endpoint = "s3." + region + ".backblazeb2.com";
        } else if ((m = FILEBASE.matcher(host)).matches()) {
            b = m.group(1);
            endpoint = "s3.filebase.com";
        } else if ((m = DIGITAL_OCEAN.matcher(host)).matches()) {
            b = m.group(1);
            region = m.group(2);
            endpoint = region + ".digitaloceanspaces.com";
        } else if ((m = SCALEWAY.matcher(host)).matches()) {
            b = m.group(1);
            region = m.group(2);
            endpoint = "s3." + region + ".scw.cloud";
        } else if ((m = LINODE.matcher(host)).matches()) {
            b = m.group(1);
            region = m.group(2);
            endpoint = region + ".linodeobjects.com";
        } else {
            if (port != null) {
                throw new IllegalArgumentException("'" + hostAndPort + "' is a host and port, not a bucket; write "
                        + "s3://BUCKET/PATH and give the server as endpoint=http://HOST:PORT");
            }
            b = host;
        }
        if (b == null || b.isEmpty()) {
            throw new IllegalArgumentException("the URL names no bucket; write s3://BUCKET/PATH");
        }
        setBucket(b);
        if (endpoint != null) {
            options.put("endpoint", scheme + "://" + endpoint + (port != null ? ":" + port : ""));
        }
        if (region != null) {
            options.put("region", region);
        }
    }

    private static String endpoint(String v) {
        if (v.isEmpty()) {
            throw new IllegalArgumentException("the endpoint is empty; write e.g. http://127.0.0.1:9000 or "
                    + "s3.us-west-000.backblazeb2.com");
        }
        try {
            URI uri = new URI(v.contains("://") ? v : "https://" + v);
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("'" + v + "' is not an http or https endpoint");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("'" + v + "' has no host; write e.g. http://127.0.0.1:9000");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + v + "' is not a valid endpoint URL; write e.g. http://127.0.0.1:9000");
        }
        return v;
    }

    private static String word(String v, String what) {
        if (!WORD.matcher(v).matches()) {
            throw new IllegalArgumentException("'" + v + "' is not " + what);
        }
        return v;
    }

    private static long partSize(String v) {
        long bytes;
        try {
            bytes = ByteSize.parse(v).bytes();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + v + "' is too large");
        }
        if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
            throw new IllegalArgumentException("'" + v + "' is outside S3's part size limits; write a size from 5MiB "
                    + "to 5GiB, e.g. 16MiB");
        }
        return bytes;
    }

    private static int concurrency(String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a whole number");
        }
        if (n < 1 || n > MAX_CONCURRENCY) {
            throw new IllegalArgumentException(n + " is out of range; write a number from 1 to " + MAX_CONCURRENCY);
        }
        return n;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the URL's query has a malformed %-escape");
        }
    }

    private static String encode(String v) {
        StringBuilder b = new StringBuilder();
        for (byte x : v.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c <= 0x20 || c >= 0x7f || "%+&=#?".indexOf(c) >= 0) {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
