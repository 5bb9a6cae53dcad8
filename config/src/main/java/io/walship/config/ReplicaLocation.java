package io.walship.config;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Where a replica lives: a folder or an S3 location, typed, with its options and credentials. It is read once, by
 * {@link #parse} for what users write on the command line ({@code replicate}, {@code restore}, {@code ls},
 * {@code verify}) and by the configuration file's reader for {@code url:} and for the separate keys
 * ({@code type: s3}, {@code bucket:}, {@code path:}, {@code endpoint:}, ...), which all end in the same records and
 * the same checks. The storage layer
 * opens a location; nothing turns it back into a string that carries a secret.
 *
 * <p>The grammar of {@link #parse}:
 * <ul>
 *   <li>{@code s3://BUCKET/PATH?option=value&...}: an S3-compatible bucket, including the provider host names
 *       Litestream understands ({@code BUCKET.nyc3.digitaloceanspaces.com}, {@code BUCKET.localhost:9000}, ...); see
 *       {@link S3Location};</li>
 *   <li>{@code file:///ABSOLUTE/PATH} or {@code file:/ABSOLUTE/PATH}, and {@code file://./RELATIVE},
 *       {@code file://RELATIVE} or {@code file://../RELATIVE} (relative to the working directory): a folder;</li>
 *   <li>a path that says it is one: {@code /absolute}, {@code ./relative}, {@code ../relative}, {@code .}, {@code ~}
 *       or {@code ~/relative} (to {@code HOME}): a folder.</li>
 * </ul>
 * Anything else is refused, so that a typo never turns into a local folder: {@code bkt/app} (a relative path without
 * {@code ./}, or a bucket without {@code s3://}), {@code s3:/bkt/app} (one slash), and URLs of other schemes
 * ({@code gs://...}, {@code ftp://...}).
 *
 * <p>One redaction rule holds everywhere: a location prints its credentials as {@code ****} (they are
 * {@link Secret}s), and text a user wrote that could not be parsed is shown through {@link #redact}, which masks the
 * values of {@code access-key-id} and {@code secret-access-key} and any user part of a URL.
 */
public sealed interface ReplicaLocation permits FolderLocation, S3Location {
    /** {@code file} or {@code s3}: the type as the configuration file names it. */
    String type();

    /**
     * A short description for logs, status output and error messages: {@code file:///backup/app} or
     * {@code s3://bucket/path at https://endpoint}. Never holds a credential or option.
     */
    String describe();

    /**
     * The location as a URL in the grammar of {@link #parse}, with every option that differs from its default and
     * credentials as {@code ****}; what {@code walship databases} shows and {@link #toString()} returns.
     */
    String maskedUrl();

    /**
     * What makes two locations the same place, without credentials or tuning: the folder, or the endpoint, bucket and
     * path. Two replicas with the same identity would overwrite each other's objects.
     */
    String identity();

    /**
     * Reads a location written on the command line (or under a configuration file's {@code url:}).
     *
     * @param text what the user wrote
     * @param env the environment; {@code HOME} expands a leading {@code ~}
     * @throws InvalidReplicaLocationException naming the location (credentials masked) and what to write instead
     */
    static ReplicaLocation parse(String text, Map<String, String> env) {
        if (text == null || text.isBlank()) {
            throw new InvalidReplicaLocationException(text, "the replica is empty; give a folder (/PATH or "
                    + "./RELATIVE/PATH), file:///PATH or s3://BUCKET/PATH");
        }
        String t = text.strip();
        Matcher scheme = LocationGrammar.SCHEME.matcher(t);
        if (scheme.find()) {
            String name = scheme.group(1).toLowerCase(Locale.ROOT);
            boolean slashes = t.startsWith("//", scheme.end());
            try {
                if (name.equals("s3")) {
                    if (!slashes) {
                        throw new IllegalArgumentException("an s3 URL starts with s3:// (two slashes); write "
                                + "s3://BUCKET/PATH");
                    }
                    return S3Location.parseUrl(t).build();
                }
                if (name.equals("file")) {
                    return FolderLocation.parseFileUrl(t);
                }
            } catch (InvalidReplicaLocationException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidReplicaLocationException(text, e.getMessage());
            }
            if (slashes) {
                throw new InvalidReplicaLocationException(text, "scheme '" + name + "' is not supported; use a folder "
                        + "path, file:///PATH or s3://BUCKET/PATH");
            }
        }
        if (LocationGrammar.isPath(t)) {
            try {
                return FolderLocation.of(LocalPaths.resolve(t, env));
            } catch (IllegalArgumentException e) {
                throw new InvalidReplicaLocationException(text, e.getMessage());
            }
        }
        String shown = redact(t);
        throw new InvalidReplicaLocationException(text, "neither a path nor a URL; write ./" + shown + " for a folder "
                + "here, /PATH for an absolute one, or s3://" + shown + " for a bucket");
    }

    /**
     * The text with credentials masked: the values of {@code access-key-id} and {@code secret-access-key} (in any
     * case) and the user part of the URL ({@code sftp://user:password@host} becomes {@code sftp://****@host}, and
     * so does one in an {@code endpoint=} option, even when a password holds a {@code /}, {@code &} or {@code @}). This is
     * the only way text a user wrote as a location is shown; a parsed location needs none ({@link Secret}).
     */
    static String redact(String text) {
        if (text == null) {
            return null;
        }
        return LocationGrammar.CREDENTIAL_OPTION.matcher(text).replaceAll("$1" + Secret.MASK)
                // A URL's user part, up to its last '@' before the query: a password may hold '&', '@' or '/'.
                .replaceAll("^([A-Za-z][A-Za-z0-9+.\\-]*://)[^?#]*@", "$1" + Secret.MASK + "@")
                // An endpoint's user part, up to the last '@' of the text: the query's '&' may cut a password too.
                .replaceAll("(?i)(endpoint=[a-z][a-z0-9+.\\-]*://)[^#]*@", "$1" + Secret.MASK + "@");
    }
}
