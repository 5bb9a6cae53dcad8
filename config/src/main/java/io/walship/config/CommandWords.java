package io.walship.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an {@code exec} command line into words the way a POSIX shell would for a simple command: whitespace
 * separates words, single quotes keep everything literal, double quotes keep spaces and allow {@code \"} and
 * {@code \\}, and a backslash outside quotes escapes the next character. No variables, globs or pipes: the app is
 * started directly (not through a shell) so that signals reach it and not an intermediate shell.
 */
public final class CommandWords {
    private CommandWords() {
    }

    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("exec command has an unclosed " + quote + " quote: " + line);
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("exec command is empty");
        }
        return words;
    }
}
