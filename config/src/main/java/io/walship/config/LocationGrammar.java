package io.walship.config;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The lexical rules of replica locations, shared by {@link ReplicaLocation#parse} and the configuration readers. */
final class LocationGrammar {
    /** A URL scheme followed by a colon, as RFC 3986 spells schemes. */
    static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.\\-]*):");
    /** A credential in a URL's query, whose value {@link ReplicaLocation#redact} masks. */
    static final Pattern CREDENTIAL_OPTION = Pattern.compile("(?i)((?:secret-access-key|access-key-id)=)[^&#]*");
    /** The prefixes that make text a path without doubt. */
    private static final List<String> PATH_PREFIXES = List.of("/", "./", "../", "~/");

    private LocationGrammar() {
    }

    /** The scheme of a URL, lower-cased ({@code s3}, {@code file}, {@code gs}, ...), or null when the text has none. */
    static String scheme(String t) {
        Matcher m = SCHEME.matcher(t.strip());
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** True when the text starts with {@code scheme://}: a URL, which is never taken for a path. */
    static boolean isUrl(String t) {
        Matcher m = SCHEME.matcher(t.strip());
        return m.find() && t.strip().startsWith("//", m.end());
    }

    /** True for {@code /abs}, {@code ./rel}, {@code ../rel}, {@code ~/rel}, {@code .}, {@code ..} and {@code ~}. */
    static boolean isPath(String t) {
        return t.equals(".") || t.equals("..") || t.equals("~") || PATH_PREFIXES.stream().anyMatch(t::startsWith);
    }
}
