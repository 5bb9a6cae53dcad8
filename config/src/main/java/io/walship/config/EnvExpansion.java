package io.walship.config;

import java.util.Map;

/**
 * Expands {@code ${VAR}} and {@code $VAR} in the raw text of a configuration file, exactly as Go's {@code os.ExpandEnv}
 * does for Litestream, so that a {@code litestream.yml} that takes its credentials from the environment behaves the
 * same under walship.
 *
 * <p>The rules, copied from Go: a name is a run of ASCII letters, digits and {@code _}, or one of the shell's special
 * characters ({@code * # $ @ ! ? -} and a digit); an unset variable expands to the empty string; {@code ${}} and an
 * unclosed {@code ${} are dropped; a {@code $} followed by anything else (a space, a dot, the end of the text) is kept.
 * So {@code $$} expands the variable named {@code $}, which is normally unset: a literal dollar sign needs
 * {@code -no-expand-env}, as in Litestream.
 */
final class EnvExpansion {
    private EnvExpansion() {
    }

    static String expand(String text, Map<String, String> env) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 64);
        int i = 0;
        for (int j = 0; j < text.length(); j++) {
            if (text.charAt(j) != '$' || j + 1 >= text.length()) {
                continue;
            }
            out.append(text, i, j);
            String rest = text.substring(j + 1);
            String name;
            int width;
            if (rest.charAt(0) == '{') {
                if (rest.length() > 2 && isSpecial(rest.charAt(1)) && rest.charAt(2) == '}') {
                    name = rest.substring(1, 2);
                    width = 3;
                } else {
                    int close = rest.indexOf('}');
                    if (close == 1) {
                        name = "";
                        width = 2; // "${}" is bad syntax: Go drops it
                    } else if (close < 0) {
                        name = "";
                        width = 1; // an unclosed "${": Go drops the two characters
                    } else {
                        name = rest.substring(1, close);
                        width = close + 1;
                    }
                }
            } else if (isSpecial(rest.charAt(0))) {
                name = rest.substring(0, 1);
                width = 1;
            } else {
                int k = 0;
                while (k < rest.length() && isAlphaNumeric(rest.charAt(k))) {
                    k++;
                }
                name = rest.substring(0, k);
                width = k;
            }
            if (name.isEmpty() && width == 0) {
                out.append('$'); // a '$' not followed by a name stays as it is
            } else if (!name.isEmpty()) {
                String value = env.get(name);
                if (value != null) {
                    out.append(value);
                }
            }
            j += width;
            i = j + 1;
        }
        return out.append(text, Math.min(i, text.length()), text.length()).toString();
    }

    private static boolean isSpecial(char c) {
        return "*#$@!?-0123456789".indexOf(c) >= 0;
    }

    private static boolean isAlphaNumeric(char c) {
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
