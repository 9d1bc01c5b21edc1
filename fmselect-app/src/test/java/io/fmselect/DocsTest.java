package io.fmselect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The documentation as users and CI rely on it: README.md is for users (no test class names, no talk of
 * the machines the project is built on), every relative link in README.md and docs/*.md leads to a file
 * of the repository (and to a heading there when it names one), every repository path the README names
 * in backticks exists, every fmselect command line in the README's code blocks parses, and the README's
 * test command is exactly what {@code .ci/run} runs.
 */
class DocsTest {
  private static final Path ROOT = root();

  /** A markdown link or image: [text](target) or ![alt](target); the target up to a space or ')'. */
  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

  /** The top-level folders of the repository whose paths the README may name in backticks. */
  private static final Pattern REPO_PATH =
      Pattern.compile("`((?:\\.ci|bench|bin|clients|docker|docs|flink-conf|fmselect-(?:core|wire|embed|stream|app|bench)|schemas|tools)/[^`\\s]*)`");

  @Test
  void readmeNamesNoTestClassAndNoBuildMachine() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
    Pattern testName = Pattern.compile("\\b[A-Z][A-Za-z0-9]*(ITCase|Test|Bench)\\b");
    Pattern machine = Pattern.compile("(?i)\\b(development|build) machines?\\b|\\bth(is|ese) machines?\\b");
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (testName.matcher(l).find() || machine.matcher(l).find()) {
        bad.add("README.md:" + (i + 1) + ": " + l);
      }
    }
    assertEquals(List.of(), bad, "README.md is for users: test classes and the build machines belong in docs/development.md");
  }

  @Test
  void everyRelativeLinkLeadsToAFileOfTheRepository() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    assertTrue(docs.size() > 1, "docs/*.md found");
    List<String> bad = new ArrayList<>();
    int links = 0;
    for (Path doc : docs) {
      List<String> lines = Files.readAllLines(doc);
      boolean fenced = false;
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i);
        if (l.strip().startsWith("```")) {
          fenced = !fenced;
        }
        if (fenced) {
          continue;
        }
        Matcher m = LINK.matcher(l);
        while (m.find()) {
          links++;
          String problem = problem(doc, m.group(1));
          if (problem != null) {
            bad.add(ROOT.relativize(doc) + ":" + (i + 1) + ": " + m.group(1) + ": " + problem);
          }
        }
      }
    }
    assertTrue(links >= 10, "links found: " + links);
    assertEquals(List.of(), bad);
  }

  @Test
  void everyRepositoryPathTheReadmeNamesExists() throws IOException {
    List<String> bad = new ArrayList<>();
    int paths = 0;
    List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = REPO_PATH.matcher(lines.get(i));
      while (m.find()) {
        paths++;
        String p = m.group(1).replaceAll("[.,:;]+$", "");
        if (!Files.exists(ROOT.resolve(p))) {
          bad.add("README.md:" + (i + 1) + ": " + p);
        }
      }
    }
    assertTrue(paths >= 10, "paths found: " + paths);
    assertEquals(List.of(), bad, "paths the README names that are not in the repository");
  }

  @Test
  void everyFmselectCommandInTheReadmesCodeBlocksParses() throws IOException {
    List<String> bad = new ArrayList<>();
    List<String> commands = fencedCommands(Files.readAllLines(ROOT.resolve("README.md")));
    for (String c : commands) {
      List<String> args = new ArrayList<>(List.of(c.substring(c.indexOf("bin/fmselect ") + "bin/fmselect ".length())
          .strip().split("\\s+")));
      args.removeIf(a -> a.startsWith("@")); // an argument file the README writes out beside the command
      try {
        Main.commandLine().parseArgs(args.toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        bad.add(c + ": " + e.getMessage());
      }
    }
    assertTrue(commands.size() >= 10, "commands found: " + commands);
    assertTrue(commands.stream().anyMatch(c -> c.contains(" select ")), commands.toString());
    assertTrue(commands.stream().anyMatch(c -> c.contains(" subset ") && c.contains("--follow")), commands.toString());
    assertEquals(List.of(), bad);
  }

  @Test
  void ciRunsExactlyTheReadmesTestCommand() throws IOException {
    List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
    int start = readme.indexOf("## Two commands");
    assertTrue(start >= 0, "README.md has a '## Two commands' section");
    int end = start + 1;
    while (end < readme.size() && !readme.get(end).startsWith("## ")) {
      end++;
    }
    List<List<String>> blocks = blocks(readme.subList(start + 1, end));
    assertTrue(blocks.size() >= 2, "the two commands' code blocks under 'Two commands': " + blocks);
    assertEquals(List.of("bin/fmselect demo"), blocks.get(0), "the first command: the demo");
    assertTrue(Main.commandLine().getSubcommands().containsKey("demo"));
    assertEquals(List.of("mvn -B verify"), blocks.get(1), "the second command: the tests");

    List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run")).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd "))
        .toList();
    assertEquals(blocks.get(1), ci, ".ci/run runs exactly the README's test command (beside set and cd)");
    assertTrue(Files.isExecutable(ROOT.resolve(".ci/run")), ".ci/run is executable");
  }

  /** Why a link target does not lead where it should, or null when it does (web links are not followed). */
  private static String problem(Path doc, String target) throws IOException {
    if (target.matches("(?i)(https?|mailto):.*")) {
      return null;
    }
    if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*") || target.startsWith("/")) {
      return "not a relative link";
    }
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    String anchor = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
    if (!resolved.startsWith(ROOT)) {
      return "outside the repository";
    }
    if (!Files.exists(resolved)) {
      return "no such file";
    }
    if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
      return "no heading with anchor #" + anchor + " in " + ROOT.relativize(resolved);
    }
    return null;
  }

  /** The anchors GitHub gives a markdown file's headings: lower case, punctuation dropped, spaces to hyphens. */
  static Set<String> anchors(Path md) throws IOException {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String l : Files.readAllLines(md)) {
      if (l.strip().startsWith("```")) {
        fenced = !fenced;
      }
      if (fenced || !l.matches("#{1,6} .*")) {
        continue;
      }
      String slug = l.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      out.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return out;
  }

  /** The fenced code blocks of LINES, each as its non-empty lines. */
  private static List<List<String>> blocks(List<String> lines) {
    List<List<String>> out = new ArrayList<>();
    List<String> block = null;
    for (String l : lines) {
      if (l.strip().startsWith("```")) {
        if (block == null) {
          block = new ArrayList<>();
        } else {
          out.add(block);
          block = null;
        }
      } else if (block != null && !l.isBlank()) {
        block.add(l.strip());
      }
    }
    return out;
  }

  /** Every bin/fmselect command line in the fenced blocks: continuation lines joined, comments and '&' dropped. */
  private static List<String> fencedCommands(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (List<String> block : blocks(lines)) {
      StringBuilder cmd = new StringBuilder();
      for (String l : block) {
        String code = l.replaceFirst("\\s+#.*$", "").replaceFirst("^#.*$", "");
        boolean more = code.endsWith("\\");
        cmd.append(more ? code.substring(0, code.length() - 1) : code).append(' ');
        if (!more) {
          String c = cmd.toString().strip().replaceFirst("\\s*&$", "");
          if (c.matches("(\\S+=\\S+ )*bin/fmselect .*")) {
            out.add(c);
          }
          cmd.setLength(0);
        }
      }
    }
    return out;
  }

  private static Path root() {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !(Files.exists(p.resolve("pom.xml")) && Files.exists(p.resolve(".ci/run")))) {
      p = p.getParent();
    }
    assertFalse(p == null, "repository root not found above " + Paths.get("").toAbsolutePath());
    return p;
  }
}
