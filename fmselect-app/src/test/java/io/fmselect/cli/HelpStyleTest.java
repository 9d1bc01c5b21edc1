package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One style for the usage help of every command. The checks walk the whole command trees of {@link Main}
 * and {@link ClientMain} (hidden commands and picocli's {@code help} included), so a command or option
 * added later is held to the same rules as today's:
 * <ul>
 *   <li>a command's summary (what its parent's command list shows) is one full sentence;</li>
 *   <li>descriptions are paragraphs that picocli wraps itself, at 80 columns, never inside a word or a
 *       path (a paragraph with hard line breaks re-wraps into ragged half lines);</li>
 *   <li>option descriptions share one form: one paragraph starting lower-case, no final period, and
 *       defaults written "(default: X)", with {@code ${DEFAULT-VALUE}} where picocli holds the default;</li>
 *   <li>{@code --version} names the pom's version and the checkout's commit.</li>
 * </ul>
 */
class HelpStyleTest {
  /** The usage help's width: the terminal's is not asked for, so the output is the same everywhere. */
  static final int WIDTH = 80;

  /** Capitalised first words an option description may start with: names, not sentence starts. */
  private static final Set<String> PROPER_NOUNS = Set.of("Kafka", "Flink", "Debian", "Kubernetes");

  /** A default written any other way than "(default: X)" or "; default: X". */
  private static final Pattern OTHER_DEFAULT = Pattern.compile("(^|[(;,]\\s*)default(?!: )");

  /** Every command of both trees, each from a fresh command line (so a test may change its settings). */
  static Stream<Named<Supplier<CommandLine>>> commands() {
    List<Named<Supplier<CommandLine>>> all = new ArrayList<>();
    for (Supplier<CommandLine> root : List.<Supplier<CommandLine>>of(Main::commandLine, ClientMain::commandLine)) {
      String tree = root.get().getCommand().getClass().getSimpleName();
      for (List<String> path : paths(root.get(), new ArrayList<>())) {
        String name = tree + ": " + String.join(" ", path);
        all.add(Named.of(name, () -> find(root.get(), path)));
      }
    }
    return all.stream();
  }

  /** The subcommand names leading to each command of a tree, the root's (empty) first. */
  private static List<List<String>> paths(CommandLine cl, List<String> prefix) {
    List<List<String>> out = new ArrayList<>();
    out.add(List.copyOf(prefix));
    for (CommandLine sub : new LinkedHashSet<>(cl.getSubcommands().values())) {
      List<String> next = new ArrayList<>(prefix);
      next.add(sub.getCommandName());
      out.addAll(paths(sub, next));
    }
    return out;
  }

  private static CommandLine find(CommandLine root, List<String> path) {
    CommandLine cl = root;
    for (String name : path) {
      cl = cl.getSubcommands().get(name);
    }
    return cl;
  }

  private static String help(CommandLine cl) {
    return cl.getUsageMessage(Ansi.OFF);
  }

  /** The first line of the header, else of the description: what a parent's command list shows. */
  private static String summary(CommandSpec spec) {
    String[] header = spec.usageMessage().header();
    String[] description = spec.usageMessage().description();
    return header.length > 0 ? header[0] : description.length > 0 ? description[0] : "";
  }

  private static String oneLine(String text) {
    return text.strip().replaceAll("\\s+", " ");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void summaryIsOneFullSentenceShownWholeByTheParent(Supplier<CommandLine> command) {
    CommandLine cl = command.get();
    CommandSpec spec = cl.getCommandSpec();
    String summary = summary(spec);
    String who = spec.qualifiedName();
    assertFalse(summary.isBlank(), who + " has no summary");
    assertTrue(Character.isUpperCase(summary.codePointAt(0)), who + ": the summary starts a sentence: " + summary);
    assertTrue(summary.endsWith("."), who + ": the summary ends with a period: " + summary);
    assertFalse(Pattern.compile("[.!?]\\s+\\p{Lu}").matcher(summary).find(), who + ": one sentence: " + summary);
    CommandLine parent = cl.getParent();
    if (parent != null && !spec.usageMessage().hidden()) {
      assertTrue(oneLine(help(parent)).contains(oneLine(String.format(summary))),
          who + ": the parent's command list shows the whole summary:\n" + help(parent));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void helpIsEightyColumnsAtMost(Supplier<CommandLine> command) {
    CommandLine cl = command.get();
    assertEquals(WIDTH, cl.getCommandSpec().usageMessage().width(), "usage help width");
    assertFalse(cl.getCommandSpec().usageMessage().autoWidth(), "the terminal's width is not asked for");
    for (String line : help(cl).lines().toList()) {
      assertTrue(line.length() <= WIDTH, cl.getCommandSpec().qualifiedName() + ": over " + WIDTH + " columns: "
          + line);
    }
  }

  /**
   * Lines break between words only: the help at 80 columns holds exactly the words of the help on one
   * long line. A break inside a word ("flink-conf/config." then "yaml" on the next line) splits one word
   * in two; a paragraph written with hard line breaks shows up here too, as half-filled lines don't.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void linesBreakBetweenWordsOnly(Supplier<CommandLine> command) {
    CommandLine narrow = command.get();
    CommandLine wide = command.get();
    wide.getCommandSpec().usageMessage().width(10_000);
    List<String> lines = help(narrow).lines().toList();
    List<String> narrowWords = new ArrayList<>();
    List<Integer> lineOf = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      for (String word : lines.get(i).trim().split("\\s+")) {
        if (!word.isEmpty()) {
          narrowWords.add(word);
          lineOf.add(i);
        }
      }
    }
    List<String> wideWords = Stream.of(help(wide).trim().split("\\s+")).toList();
    for (int i = 0; i < Math.min(narrowWords.size(), wideWords.size()); i++) {
      if (!narrowWords.get(i).equals(wideWords.get(i))) {
        int line = lineOf.get(i);
        fail(narrow.getCommandSpec().qualifiedName() + ": '" + wideWords.get(i) + "' is broken across lines:\n"
            + (line > 0 ? lines.get(line - 1) + "\n" : "") + lines.get(line)
            + "\n(reword or reorder the text around it)");
      }
    }
    assertEquals(wideWords.size(), narrowWords.size(), "same words");
  }

  /**
   * A command's description is paragraphs: every element a whole paragraph ending with a period (or empty,
   * for a blank line; blank lines may come before or after it), no line breaks inside; an option's description is one paragraph; both format
   * cleanly ('%' written '%%': picocli formats them).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void descriptionsAreWholeParagraphs(Supplier<CommandLine> command) {
    CommandLine cl = command.get();
    cl.setInterpolateVariables(false); // the text as written, before picocli formats it
    CommandSpec spec = cl.getCommandSpec();
    String who = spec.qualifiedName();
    for (String element : spec.usageMessage().description()) {
      assertFormats(who, element);
      String paragraph = element.replaceAll("^(%n)+|(%n)+$", ""); // blank lines around a paragraph are fine
      assertFalse(paragraph.contains("%n") || paragraph.contains("\n"), who + ": a line break inside: " + paragraph);
      assertTrue(paragraph.isEmpty() || paragraph.endsWith("."),
          who + ": each description element is a whole paragraph ending with a period: " + paragraph);
    }
    for (ArgSpec arg : args(spec)) {
      String name = who + " " + label(arg);
      String[] description = arg.description();
      assertEquals(1, description.length, name + ": one paragraph: " + List.of(description));
      assertFormats(name, description[0]);
      assertFalse(description[0].isBlank(), name + " has no description");
      assertFalse(description[0].contains("%n") || description[0].contains("\n"),
          name + ": a line break inside: " + description[0]);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void optionDescriptionsShareOneForm(Supplier<CommandLine> command) {
    CommandLine cl = command.get();
    cl.setInterpolateVariables(false);
    CommandSpec spec = cl.getCommandSpec();
    for (ArgSpec arg : args(spec)) {
      String name = spec.qualifiedName() + " " + label(arg);
      String text = String.join(" ", arg.description());
      if (text.isBlank()) {
        continue; // descriptionsAreWholeParagraphs says so
      }
      String first = text.split("[\\s:(]", 2)[0];
      boolean lowerStart = !Character.isUpperCase(text.codePointAt(0))
          || first.chars().skip(1).anyMatch(c -> Character.isUpperCase(c) || Character.isDigit(c))
          || PROPER_NOUNS.contains(first.replace("'s", ""));
      assertTrue(lowerStart, name + ": starts lower-case (names and acronyms aside): " + text);
      assertTrue(!text.endsWith(".") || text.endsWith("..."), name + ": no final period: " + text);
      Matcher other = OTHER_DEFAULT.matcher(text);
      assertFalse(other.find(), name + ": a default is written '(default: X)': " + text);
      boolean flag = arg.isOption() && ((OptionSpec) arg).arity().max() == 0;
      if (arg.defaultValue() != null && !flag) {
        assertTrue(text.contains("${DEFAULT-VALUE}"),
            name + ": shows its default value with ${DEFAULT-VALUE}, so text and code agree: " + text);
      }
      if (text.contains("${DEFAULT-VALUE}")) {
        assertNotEquals("null", arg.defaultValueString(), name + ": ${DEFAULT-VALUE} without a default");
      }
    }
  }

  /** The options and positional parameters a command's help lists. */
  private static List<ArgSpec> args(CommandSpec spec) {
    List<ArgSpec> out = new ArrayList<>();
    spec.options().stream().filter(o -> !o.hidden()).forEach(out::add);
    spec.positionalParameters().stream().filter(p -> !p.hidden()).forEach(out::add);
    return out;
  }

  private static String label(ArgSpec arg) {
    return arg.isOption() ? ((OptionSpec) arg).longestName() : arg.paramLabel();
  }

  private static void assertFormats(String who, String text) {
    try {
      String.format(text);
    } catch (IllegalFormatException e) {
      fail(who + ": picocli formats descriptions, write '%' as '%%': " + text);
    }
  }

  @Test
  void versionIsThePomsVersionAndTheCheckoutsCommit() throws Exception {
    String expected = expectedVersion();
    assertEquals(expected, InProcess.run("--version").out().strip());
    var out = new java.io.StringWriter();
    CommandLine client = ClientMain.commandLine();
    client.setOut(new java.io.PrintWriter(out));
    assertEquals(0, client.execute("--version"));
    assertEquals(expected, out.toString().strip());
  }

  /**
   * What {@code fmselect --version} prints for this checkout: {@code fmselect VERSION (commit HASH)}, HASH
   * being {@code git rev-parse --short HEAD}, "-dirty" added when tracked files have changes, or
   * "unknown" where there is no .git or git cannot read it (the build's rule, pom.xml).
   */
  static String expectedVersion() throws Exception {
    Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
        .getDocumentElement();
    String version = null;
    for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
      if ("version".equals(n.getNodeName())) {
        version = n.getTextContent().strip();
      }
    }
    String commit = "unknown";
    String head = Files.exists(Path.of(".git")) ? git("rev-parse", "--short", "HEAD") : null;
    String changes = head == null ? null : git("status", "--porcelain", "--untracked-files=no");
    if (head != null && changes != null) {
      commit = changes.isEmpty() ? head : head + "-dirty";
    }
    return "fmselect " + version + " (commit " + commit + ")";
  }

  /** What a git command prints, or null where it fails (no git, or a repository git refuses to read). */
  private static String git(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException noGit) {
      return null;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "git " + cmd);
    return p.exitValue() == 0 ? out : null;
  }
}
