package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes configuration files into a test's temporary folder and loads them the way walship replicate does. */
final class ConfigFiles {
    static final Map<String, String> ENV = Map.of("HOME", "/home/op");

    private ConfigFiles() {
    }

    static Path write(Path dir, String yaml) {
        try {
            Path file = dir.resolve("walship.yml");
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static WalshipConfig load(Path dir, String yaml) {
        return load(dir, yaml, ENV);
    }

    static WalshipConfig load(Path dir, String yaml, Map<String, String> env) {
        Path file = write(dir, yaml);
        try {
            return WalshipConfig.load(file, env, true);
        } catch (ConfigException e) {
            return fail("expected the file to load, got: " + e.getMessage());
        }
    }

    /** Loads a bad file and checks the message starts with exactly FILE:LINE: key 'KEY': and mentions the fragment. */
    static ConfigException assertError(Path dir, String yaml, int line, String key, String fragment) {
        return assertError(dir, yaml, ENV, line, key, fragment);
    }

    static ConfigException assertError(Path dir, String yaml, Map<String, String> env, int line, String key,
                                       String fragment) {
        Path file = write(dir, yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> WalshipConfig.load(file, env, true));
        String prefix = file + ":" + line + ": " + (key == null ? "" : "key '" + key + "': ");
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected a message starting with\n  " + prefix
                + "\nbut got\n  " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "the message must be one line");
        return e;
    }
}
