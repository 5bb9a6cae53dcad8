package io.walship.config;

import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Turns the text of a configuration file into a tree of YAML nodes that still know their line, using SnakeYAML
 * Engine's compose step only. We stop at nodes, rather than letting a library bind them to classes, so that every
 * error can name the file, the line and the key, and so that nothing in the file can make the parser instantiate a
 * class.
 *
 * <p>Syntax errors are reported with SnakeYAML's short problem text only, never with its snippet of the offending
 * line: after environment expansion that line may hold a secret.
 */
final class YamlDocument {
    private YamlDocument() {
    }

    /** Returns the single document's root node, or empty when the text holds no document (empty or comments only). */
    static Optional<Node> parse(String source, String text) throws ConfigException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                .setUseMarks(true)
                .setParseComments(false)
                .setAllowNonScalarKeys(true) // so that YamlMapping reports such a key with its line
                .build();
        try {
            return new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
            StringBuilder problem = new StringBuilder("not valid YAML: ").append(e.getProblem());
            if (e.getContext() != null && !e.getContext().isBlank()) {
                problem.append(" (").append(e.getContext()).append(')');
            }
            throw new ConfigException(source, line, null, problem.toString());
        } catch (ReaderException e) {
            throw new ConfigException(source, lineOf(text, e.getPosition()), null,
                    String.format("not valid YAML: the file contains the control character U+%04X; remove it", e.getCodePoint()));
        } catch (YamlEngineException e) {
            throw new ConfigException(source, 0, null, "not valid YAML: " + e.getMessage());
        }
    }

    /** The 1-based line of a node, as the user sees it in an editor; 0 when the node has no mark. */
    static int line(Node node) {
        return node.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0);
    }

    private static int lineOf(String text, int codePointIndex) {
        int line = 1;
        int i = 0;
        for (int cp = 0; cp < codePointIndex && i < text.length(); cp++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
            i += Character.charCount(text.codePointAt(i));
        }
        return line;
    }
}
