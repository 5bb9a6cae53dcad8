package io.walship.replicator.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Prometheus text format, read as much as the tests need: every sample line with its name, labels and value, and
 * the {@code # TYPE} of every family. It is written independently of the client library so that the tests check what
 * a real Prometheus server would read, not what the library believes it wrote. The it module's tests read the
 * daemon's page with it too (through this module's test-jar).
 */
public record Exposition(List<Sample> samples, Map<String, String> types) {

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public static Exposition parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                types.put(p[2], p[3]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line));
        }
        return new Exposition(samples, types);
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int end = line.lastIndexOf('}');
            String body = line.substring(brace + 1, end);
            int i = 0;
            while (i < body.length()) {
                int eq = body.indexOf('=', i);
                String key = body.substring(i, eq);
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (body.charAt(j) != '"') {
                    char c = body.charAt(j);
                    if (c == '\\') {
                        char n = body.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                    j++;
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (i < body.length() && body.charAt(i) == ',') {
                    i++;
                }
            }
        } else {
            name = line.substring(0, space);
        }
        return new Sample(name, labels, Double.parseDouble(line.substring(space + 1)));
    }

    /** The samples of {@code name} whose labels include every given {@code key, value} pair. */
    public List<Sample> find(String name, String... labelPairs) {
        return samples.stream().filter(s -> s.name().equals(name) && matches(s, labelPairs)).toList();
    }

    /** The value of the one sample of {@code name} with these labels; fails the test unless exactly one matches. */
    public double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.size() != 1) {
            fail("expected one sample " + name + " " + List.of(labelPairs) + ", found " + found + " among "
                    + samples.stream().map(Sample::name).distinct().collect(Collectors.joining(", ")));
        }
        return found.get(0).value();
    }

    /** The value of that sample, or {@code otherwise} when there is none (a counter not incremented yet). */
    public double valueOr(String name, double otherwise, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        return found.isEmpty() ? otherwise : value(name, labelPairs);
    }

    private static boolean matches(Sample s, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(s.labels().get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
