package io.walship.config;

/**
 * Thrown for a replica location walship cannot use. The message is one line that names the location as the user wrote
 * it, with credentials masked ({@link ReplicaLocation#redact}), and says what to write instead:
 * {@code replica URL 's3://Bad_Bucket/x?secret-access-key=****': 'Bad_Bucket' is not a valid bucket name; ...}.
 * It is unchecked because it reports a bad argument, which the command line turns into the usage exit code.
 */
public final class InvalidReplicaLocationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String problem;

    InvalidReplicaLocationException(String given, String problem) {
        super(format(given, problem));
        this.problem = problem;
    }

    /** What is wrong and what to write instead, without the location itself. */
    public String problem() {
        return problem;
    }

    private static String format(String given, String problem) {
        String shown = given == null ? "" : ReplicaLocation.redact(given.strip());
        String what = shown.matches("^[A-Za-z][A-Za-z0-9+.\\-]*:.*") ? "replica URL" : "replica";
        return (what + " '" + shown + "': " + problem).replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
