package io.walship.cli;

import io.walship.replicator.metrics.BuildInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man page (man(7) roff) for one command, written from its picocli model: the same names, synopsis, descriptions,
 * option texts and exit codes as {@code --help}, so the two never disagree. picocli's own generator writes AsciiDoc,
 * which needs Asciidoctor (a JRuby runtime) to become a man page; the man(7) macros needed here are few.
 */
final class ManPage {
    private final CommandSpec spec;
    private final BuildInfo build;

    ManPage(CommandSpec spec, BuildInfo build) {
        this.spec = spec;
        this.build = build;
    }

    /** The page's file name: {@code walship.1}, {@code walship-replicate.1}, ... */
    String fileName() {
        return name() + ".1";
    }

    /** {@code walship} or {@code walship-replicate}: the qualified command name with dashes, as git's pages are named. */
    String name() {
        return spec.qualifiedName("-");
    }

    String render() {
        StringBuilder b = new StringBuilder();
        b.append(".\\\" Generated from walship's command model by io.walship.cli.DistFiles; do not edit.\n");
        b.append(".TH ").append(quote(name().toUpperCase(Locale.ROOT))).append(" 1 ")
                .append(quote(date())).append(' ').append(quote("walship " + build.version())).append(' ')
                .append(quote("walship manual")).append('\n');

        b.append(".SH NAME\n").append(text(name())).append(" \\- ").append(text(firstSentence())).append('\n');

        b.append(".SH SYNOPSIS\n.nf\n");
        Help help = new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF));
        b.append(literal(help.synopsis(0).stripTrailing())).append("\n.fi\n");

        String[] description = spec.usageMessage().description();
        if (description.length > 0) {
            b.append(".SH DESCRIPTION\n");
            for (String line : description) {
                b.append(line.isBlank() ? ".PP\n" : text(line) + "\n");
            }
        }

        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                b.append(".TP\n\\fI").append(text(p.paramLabel())).append("\\fR\n");
                appendDescription(b, p.description());
            }
        }

        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                b.append(".TP\n");
                List<String> names = new ArrayList<>();
                for (String n : o.names()) {
                    names.add("\\fB" + text(n) + "\\fR");
                }
                b.append(String.join(", ", names));
                if (o.arity().max() > 0) {
                    b.append(" \\fI").append(text(o.paramLabel())).append("\\fR");
                }
                b.append('\n');
                appendDescription(b, o.description());
            }
        }

        Map<String, CommandLine> subcommands = spec.subcommands();
        List<String> visible = subcommands.entrySet().stream()
                .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()).map(Map.Entry::getKey).toList();
        if (!visible.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (String sub : visible) {
                CommandSpec s = subcommands.get(sub).getCommandSpec();
                b.append(".TP\n\\fB").append(text(sub)).append("\\fR\n")
                        .append(text(new ManPage(s, build).firstSentence())).append("\nSee \\fB")
                        .append(text(s.qualifiedName("-"))).append("\\fR(1).\n");
            }
        }

        Map<String, String> codes = spec.usageMessage().exitCodeList();
        if (!codes.isEmpty()) {
            b.append(".SH EXIT STATUS\n");
            for (Map.Entry<String, String> c : codes.entrySet()) {
                b.append(".TP\n\\fB").append(text(c.getKey().strip())).append("\\fR\n").append(text(c.getValue())).append('\n');
            }
        }

        b.append(".SH ENVIRONMENT\n")
                .append(".TP\n\\fBWALSHIP_ACCESS_KEY_ID\\fR, \\fBWALSHIP_SECRET_ACCESS_KEY\\fR\n")
                .append(text("S3 credentials, else the AWS default chain (environment, profile, web identity, instance role).")).append('\n')
                .append(".TP\n\\fBWALSHIP_CONFIG\\fR\n").append(text("The config file when -config is not given (else /etc/walship.yml).")).append('\n')
                .append(".TP\n\\fBWALSHIP_LOG_LEVEL\\fR\n")
                .append(text("debug, info, warn or error for walship's own log lines; name=level pairs (comma-separated) for other"
                        + " loggers, e.g. debug,software.amazon.awssdk=debug.")).append('\n')
                .append(".TP\n\\fBWALSHIP_JAVA_OPTS\\fR\n").append(text("JVM options for the launcher, e.g. -Xmx256m.")).append('\n');

        b.append(".SH SEE ALSO\n");
        List<String> seeAlso = new ArrayList<>();
        CommandSpec root = spec.root();
        if (spec != root) {
            seeAlso.add("\\fBwalship\\fR(1)");
        }
        for (String sub : visible) {
            seeAlso.add("\\fB" + text(subcommands.get(sub).getCommandSpec().qualifiedName("-")) + "\\fR(1)");
        }
        seeAlso.add(text("the operations guide, docs/OPERATIONS.md in the release archive (/opt/walship/docs/OPERATIONS.md)."));
        b.append(String.join(",\n", seeAlso)).append('\n');
        return b.toString();
    }

    private static void appendDescription(StringBuilder b, String[] lines) {
        for (String line : lines) {
            b.append(line.isBlank() ? ".br\n" : text(line) + "\n");
        }
    }

    /** The description's first sentence, for NAME and the command list. */
    private String firstSentence() {
        String[] d = spec.usageMessage().description();
        String first = d.length == 0 ? "" : d[0].strip();
        int stop = first.indexOf(". ");
        first = stop > 0 ? first.substring(0, stop) : first;
        return first.endsWith(".") ? first.substring(0, first.length() - 1) : first;
    }

    private String date() {
        String t = build.buildTime();
        return t.length() >= 10 && Character.isDigit(t.charAt(0)) ? t.substring(0, 10) : "unknown";
    }

    /** Text as roff shows it literally: backslashes escaped, hyphens as minus signs, no line starting a request. */
    static String text(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder out = new StringBuilder();
        for (String line : t.split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            if (line.startsWith(".") || line.startsWith("'")) {
                out.append("\\&");
            }
            out.append(line);
        }
        return out.toString();
    }

    /** Preformatted text (the synopsis) between {@code .nf} and {@code .fi}. */
    private static String literal(String s) {
        return text(s);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\\(dq") + "\"";
    }
}
