package io.walship.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A replica in a local folder (or any mounted file system).
 *
 * <p>File URLs are read the way users write them rather than by RFC 8089: {@code file:///abs} and {@code file:/abs}
 * are absolute; {@code file://./rel}, {@code file://rel} and {@code file://../rel} are relative to the working
 * directory (a host part is not a thing for walship). Nothing is percent-decoded, so {@code file:///with space} is the
 * folder {@code /with space}. A query or fragment is refused.
 *
 * @param folder the folder, absolute and normalised; it may not exist yet ({@code replicate} creates it)
 */
public record FolderLocation(Path folder) implements ReplicaLocation {
    public FolderLocation {
        Objects.requireNonNull(folder, "folder");
        folder = folder.toAbsolutePath().normalize();
    }

    /** The folder, relative paths taken from the working directory. */
    public static FolderLocation of(Path folder) {
        return new FolderLocation(folder);
    }

    /** Reads a {@code file:} URL (see the class comment). */
    static FolderLocation parseFileUrl(String url) {
        String rest = url.substring("file:".length());
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        } else if (!rest.startsWith("/")) {
            throw new IllegalArgumentException("not a file URL walship reads; write file:///ABSOLUTE/PATH or "
                    + "file://./RELATIVE/PATH");
        }
        if (rest.isEmpty() || rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("names no folder, or has a query; write file:///ABSOLUTE/PATH");
        }
        try {
            return of(Path.of(rest));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a valid path: " + e.getReason());
        }
    }

    @Override
    public String type() {
        return "file";
    }

    @Override
    public String describe() {
        return "file://" + folder;
    }

    @Override
    public String maskedUrl() {
        return describe();
    }

    @Override
    public String identity() {
        return "file " + folder;
    }

    @Override
    public String toString() {
        return maskedUrl();
    }
}
