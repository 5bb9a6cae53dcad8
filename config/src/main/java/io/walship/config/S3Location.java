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
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replica in an S3-compatible bucket, with every option typed and its defaults resolved.
 *
 * <p>As a URL: {@code s3://BUCKET/PATH?option=value&...}. The options are {@code endpoint}, {@code region},
 * {@code force-path-style} (default: on with an endpoint), {@code skip-verify} (default off), {@code storage-class},
 * {@code part-size} (default 16MiB, from 5MiB to 5GiB), {@code concurrency} (default 4, at most 64), {@code checksum}
 * ({@code when-required}, the default with an endpoint, or {@code when-supported}, the default for AWS), and
 * {@code access-key-id} with {@code secret-access-key}. Option names are case-insensitive and values percent-decoded
 * (a {@code +} is a space, so a secret holding one is written {@code %2B}); an option without a value is true.
 * Booleans are written true/false, yes/no, on/off or 1/0; sizes 16777216, 16MiB or 16MB.
 *
 * <p>The host names Litestream 0.3.13 maps to a provider are understood the same way: {@code BUCKET.localhost[:PORT]}
 * (http, region us-east-1), {@code BUCKET.s3.REGION.backblazeb2.com}, {@code BUCKET.s3.filebase.com},
 * {@code BUCKET.REGION.digitaloceanspaces.com}, {@code BUCKET.s3.REGION.scw.cloud} and
 * {@code BUCKET.REGION.linodeobjects.com} give the bucket, region and endpoint; options in the query override them.
 * Any other host is the bucket name, and {@code s3://HOST:PORT/...} is refused (the server goes in {@code endpoint}).
 *
 * @param bucket 3 to 63 lowercase letters, digits, '.', '-' or '_'
 * @param path the key prefix inside the bucket, without empty or {@code .} segments and without leading or trailing
 *             slash; "" for the bucket's root
 * @param endpoint the S3-compatible server (MinIO, R2, B2, Ceph, ...), or null for AWS
 * @param region the signing region, or null to let the SDK find it (falling back to us-east-1)
 * @param forcePathStyle path-style addressing ({@code endpoint/bucket/key})
 * @param skipVerify accept any TLS certificate (self-signed test servers only)
 * @param storageClass the storage class of new objects, or null for the bucket's default
 * @param partSize objects larger than this go up as multipart uploads in parts of this size
 * @param concurrency parts uploaded at once
 * @param checksum when the SDK computes and checks its own request checksums
 * @param credentials the access key pair given with the replica, or null to take it from the environment
 */
public record S3Location(String bucket, String path, URI endpoint, String region, boolean forcePathStyle,
                         boolean skipVerify, String storageClass, ByteSize partSize, int concurrency, Checksum checksum,
                         S3Credentials credentials) implements ReplicaLocation {
    /** S3's smallest part (except the last one) and its largest. */
    public static final ByteSize MIN_PART_SIZE = ByteSize.ofMebibytes(5);
    public static final ByteSize MAX_PART_SIZE = ByteSize.ofMebibytes(5 << 10);
    public static final ByteSize DEFAULT_PART_SIZE = ByteSize.ofMebibytes(16);
    public static final int DEFAULT_CONCURRENCY = 4;
    public static final int MAX_CONCURRENCY = 64;

    /** Every option, in the order {@link #maskedUrl()} writes them. */
    static final List<String> OPTIONS = List.of("endpoint", "region", "force-path-style", "skip-verify", "storage-class",
            "part-size", "concurrency", "checksum", "access-key-id", "secret-access-key");

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.\\-_]{2,62}");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._\\-]+");

    // Provider host names Litestream 0.3.13 maps to bucket, region and endpoint (s3.ParseHost).
    private static final Pattern LOCALHOST = Pattern.compile("^(?:(.+)\\.)?localhost$");
    private static final Pattern BACKBLAZE = Pattern.compile("^(?:(.+)\\.)?s3.([^.]+)\\.backblazeb2.com$");
    private static final Pattern FILEBASE = Pattern.compile("^(?:(.+)\\.)?s3.filebase.com$");
    private static final Pattern DIGITAL_OCEAN = Pattern.compile("^(?:(.+)\\.)?([^.]+)\\.digitaloceanspaces.com$");
    private static final Pattern SCALEWAY = Pattern.compile("^(?:(.+)\\.)?s3.([^.]+)\\.scw\\.cloud$");
    private static final Pattern LINODE = Pattern.compile("^(?:(.+)\\.)?([^.]+)\\.linodeobjects.com$");

    /** When the SDK computes and validates its own request checksums; walship's CRC32C protects objects either way. */
    public enum Checksum {
        /** Only where an operation requires one: what many S3-compatible servers need. */
        WHEN_REQUIRED,
        /** Wherever the operation supports one: AWS's default. */
        WHEN_SUPPORTED;

        /** The option value: {@code when-required} or {@code when-supported}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public S3Location {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(partSize, "partSize");
        Objects.requireNonNull(checksum, "checksum");
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException(bucketProblem(bucket));
        }
        if (!path.equals(cleanPath(path))) {
            throw new IllegalArgumentException("path '" + path + "' is not in clean form; write " + cleanPath(path));
        }
        if (partSize.compareTo(MIN_PART_SIZE) < 0 || partSize.compareTo(MAX_PART_SIZE) > 0) {
            throw new IllegalArgumentException("part-size " + partSize + " is outside S3's part size limits; write a "
                    + "size from 5MiB to 5GiB, e.g. 16MiB");
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new IllegalArgumentException("concurrency " + concurrency + " is out of range; write a number from 1 "
                    + "to " + MAX_CONCURRENCY);
        }
    }

    @Override
    public String type() {
        return "s3";
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (path.isEmpty() ? "" : "/" + path) + (endpoint == null ? "" : " at " + endpoint);
    }

    @Override
    public String identity() {
        return "s3 " + (endpoint == null ? "aws" : endpoint) + " " + bucket + "/" + path;
    }

    @Override
    public String maskedUrl() {
        Map<String, String> shown = new LinkedHashMap<>();
        if (endpoint != null) {
            shown.put("endpoint", endpoint.toString());
        }
        if (region != null) {
            shown.put("region", region);
        }
        if (forcePathStyle != (endpoint != null)) {
            shown.put("force-path-style", Boolean.toString(forcePathStyle));
        }
        if (skipVerify) {
            shown.put("skip-verify", "true");
        }
        if (storageClass != null) {
            shown.put("storage-class", storageClass);
        }
        if (!partSize.equals(DEFAULT_PART_SIZE)) {
            shown.put("part-size", partSize.toString());
        }
        if (concurrency != DEFAULT_CONCURRENCY) {
            shown.put("concurrency", Integer.toString(concurrency));
        }
        if (checksum != defaultChecksum(endpoint)) {
            shown.put("checksum", checksum.text());
        }
        if (credentials != null) {
            shown.put("access-key-id", credentials.accessKeyId().toString());
            shown.put("secret-access-key", credentials.secretAccessKey().toString());
        }
        StringBuilder b = new StringBuilder("s3://").append(bucket);
        if (!path.isEmpty()) {
            b.append('/').append(path);
        }
        char sep = '?';
        for (Map.Entry<String, String> e : shown.entrySet()) {
            b.append(sep).append(e.getKey()).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        return b.toString();
    }

    /** The masked URL; a logged location never shows a credential. */
    @Override
    public String toString() {
        return maskedUrl();
    }

    /**
     * Reads an {@code s3://} URL into a builder, so that the configuration file's separate keys can still override
     * its options; options in the query override what a provider host name implies.
     *
     * @throws IllegalArgumentException with a message that does not repeat the URL (the caller shows it redacted)
     */
    static Builder parseUrl(String url) {
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
        Builder b = new Builder();
        b.fromHost(host);
        b.path(path);
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
                b.set(k, v);
            } catch (IllegalArgumentException e) {
                String hint = k.endsWith("-key") || k.endsWith("-id") ? "; in a URL a '+' means a space, write it as "
                        + "%2B, or give the credential as a separate key" : "";
                throw new IllegalArgumentException("option " + k + " in the URL's query: " + e.getMessage() + hint, e);
            }
        }
        return b;
    }

    /**
     * Collects a location from a URL and then separate settings, each checked as it is set, and resolves the defaults
     * at {@link #build()}. Used while one replica is read; never shared.
     */
    static final class Builder {
        private String bucket;
        private String path = "";
        private URI endpoint;
        private String region;
        private Boolean forcePathStyle;
        private Boolean skipVerify;
        private String storageClass;
        private ByteSize partSize;
        private Integer concurrency;
        private Checksum checksum;
        private Secret accessKeyId;
        private Secret secretAccessKey;

        Builder() {
        }

        /** Sets the bucket after checking it is a name S3 and walship accept. */
        Builder bucket(String name) {
            if (!BUCKET.matcher(name).matches()) {
                throw new IllegalArgumentException(bucketProblem(name));
            }
            this.bucket = name;
            return this;
        }

        /** Sets the path inside the bucket, dropping empty and {@code .} segments as Litestream's path cleaning does. */
        Builder path(String text) {
            this.path = cleanPath(text);
            return this;
        }

        boolean hasBucket() {
            return bucket != null;
        }

        boolean has(String option) {
            return switch (option) {
                case "endpoint" -> endpoint != null;
                case "region" -> region != null;
                case "force-path-style" -> forcePathStyle != null;
                case "skip-verify" -> skipVerify != null;
                case "storage-class" -> storageClass != null;
                case "part-size" -> partSize != null;
                case "concurrency" -> concurrency != null;
                case "checksum" -> checksum != null;
                case "access-key-id" -> accessKeyId != null;
                case "secret-access-key" -> secretAccessKey != null;
                default -> throw new IllegalArgumentException("unknown option " + option);
            };
        }

        /**
         * Sets one option from its text after checking it.
         *
         * @throws IllegalArgumentException saying what is wrong; for credentials it never repeats the value
         */
        Builder set(String option, String value) {
            String v = value.strip();
            switch (option) {
                case "endpoint" -> endpoint = endpoint(v);
                case "region" -> region = word(v, "a region such as us-east-1");
                case "storage-class" -> storageClass = word(v, "a storage class such as STANDARD or STANDARD_IA");
                case "force-path-style" -> forcePathStyle = bool(v);
                case "skip-verify" -> skipVerify = bool(v);
                case "part-size" -> partSize = partSize(v);
                case "concurrency" -> concurrency = concurrency(v);
                case "checksum" -> checksum = checksum(v);
                case "access-key-id", "secret-access-key" -> credential(option, Secret.of(v));
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
            return this;
        }

        /** Sets {@code access-key-id} or {@code secret-access-key} from a credential already read as a secret. */
        Builder credential(String option, Secret value) {
            Objects.requireNonNull(value, option);
            switch (option) {
                case "access-key-id" -> accessKeyId = value;
                case "secret-access-key" -> secretAccessKey = value;
                default -> throw new IllegalArgumentException("not a credential option: " + option);
            }
            return this;
        }

        /** Sets the credentials that are not set yet (top-level credentials apply field by field, as in Litestream). */
        Builder defaultCredentials(Secret id, Secret secret) {
            if (accessKeyId == null) {
                accessKeyId = id;
            }
            if (secretAccessKey == null) {
                secretAccessKey = secret;
            }
            return this;
        }

        /** @throws IllegalArgumentException when the bucket is missing or only one half of the credentials is set */
        S3Location build() {
            if (bucket == null) {
                throw new IllegalArgumentException("the URL names no bucket; write s3://BUCKET/PATH");
            }
            if ((accessKeyId == null) != (secretAccessKey == null)) {
                throw new IllegalArgumentException("give both access-key-id and secret-access-key, or neither");
            }
            boolean custom = endpoint != null;
            return new S3Location(bucket, path, endpoint, region, forcePathStyle != null ? forcePathStyle : custom,
                    skipVerify != null && skipVerify, storageClass, partSize != null ? partSize : DEFAULT_PART_SIZE,
                    concurrency != null ? concurrency : DEFAULT_CONCURRENCY,
                    checksum != null ? checksum : defaultChecksum(endpoint),
                    accessKeyId == null ? null : new S3Credentials(accessKeyId, secretAccessKey));
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
            String providerRegion = null;
            String providerEndpoint = null;
            String scheme = "https";
            Matcher m;
            if ((m = LOCALHOST.matcher(host)).matches()) {
                b = m.group(1);
                providerRegion = "us-east-1";
                scheme = "http";
                providerEndpoint = "localhost";
            } else if ((m = BACKBLAZE.matcher(host)).matches()) {
                b = m.group(1);
                providerRegion = m.group(2);
                providerEndpoint = "s3." + providerRegion + ".backblazeb2.com";
            } else if ((m = FILEBASE.matcher(host)).matches()) {
                b = m.group(1);
                providerEndpoint = "s3.filebase.com";
            } else if ((m = DIGITAL_OCEAN.matcher(host)).matches()) {
                b = m.group(1);
                providerRegion = m.group(2);
                providerEndpoint = providerRegion + ".digitaloceanspaces.com";
            } else if ((m = SCALEWAY.matcher(host)).matches()) {
                b = m.group(1);
                providerRegion = m.group(2);
                providerEndpoint = "s3." + providerRegion + ".scw.cloud";
            } else if ((m = LINODE.matcher(host)).matches()) {
                b = m.group(1);
                providerRegion = m.group(2);
                providerEndpoint = providerRegion + ".linodeobjects.com";
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
            bucket(b);
            if (providerEndpoint != null) {
                endpoint = URI.create(scheme + "://" + providerEndpoint + (port != null ? ":" + port : ""));
            }
            if (providerRegion != null) {
                region = providerRegion;
            }
        }
    }

    private static Checksum defaultChecksum(URI endpoint) {
        return endpoint != null ? Checksum.WHEN_REQUIRED : Checksum.WHEN_SUPPORTED;
    }

    private static String bucketProblem(String name) {
        return "'" + name + "' is not a valid bucket name; use 3 to 63 lowercase letters, digits, '.', '-' or '_', "
                + "without s3:// or a path";
    }

    private static String cleanPath(String text) {
        List<String> segments = new ArrayList<>();
        for (String s : text.strip().split("/")) {
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
        return String.join("/", segments);
    }

    private static URI endpoint(String v) {
        if (v.isEmpty()) {
            throw new IllegalArgumentException("the endpoint is empty; write e.g. http://127.0.0.1:9000 or "
                    + "s3.us-west-000.backblazeb2.com");
        }
        if (v.indexOf('@') >= 0) {
            // A user part would be a credential inside a string, shown wherever the endpoint is; it is not repeated.
            throw new IllegalArgumentException("the endpoint has a user part (user:password@); give the credentials "
                    + "as access-key-id and secret-access-key and write the endpoint as http(s)://HOST[:PORT]");
        }
        URI uri;
        try {
            uri = new URI(v.contains("://") ? v : "https://" + v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + v + "' is not a valid endpoint URL; write e.g. http://127.0.0.1:9000");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("'" + v + "' is not an http or https endpoint");
        }
        if (uri.getHost() == null) {
            // Not repeated: a user part cut short by the query's '&' (http://user:pa&ss@host) reads as one without a
            // host, and would show the start of a password.
            throw new IllegalArgumentException("the endpoint has no host; write it as http(s)://HOST[:PORT], e.g."
                    + " http://127.0.0.1:9000");
        }
        return uri;
    }

    private static String word(String v, String what) {
        if (!WORD.matcher(v).matches()) {
            throw new IllegalArgumentException("'" + v + "' is not " + what);
        }
        return v;
    }

    private static boolean bool(String v) {
        Boolean b = Booleans.parse(v);
        if (b == null) {
            throw new IllegalArgumentException("'" + v + "' is not true or false");
        }
        return b;
    }

    private static Checksum checksum(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "when-required" -> Checksum.WHEN_REQUIRED;
            case "when-supported" -> Checksum.WHEN_SUPPORTED;
            default -> throw new IllegalArgumentException("'" + v + "' is not a checksum mode; write when-required "
                    + "(S3-compatible services) or when-supported (AWS)");
        };
    }

    private static ByteSize partSize(String v) {
        ByteSize size;
        try {
            size = ByteSize.parse(v);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + v + "' is too large");
        }
        if (size.compareTo(MIN_PART_SIZE) < 0 || size.compareTo(MAX_PART_SIZE) > 0) {
            throw new IllegalArgumentException("'" + v + "' is outside S3's part size limits; write a size from 5MiB "
                    + "to 5GiB, e.g. 16MiB");
        }
        return size;
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

    /** Percent-encodes only what the URL reader would misread ({@code % + & = # ?}, spaces, non-ASCII). */
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
