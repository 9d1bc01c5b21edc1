package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.select.Methods;
import io.fmselect.select.RamApl;
import io.fmselect.stream.StreamOptions;
import io.fmselect.stream.Topics;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A job option has one home, {@link StreamOptions}: {@code run}'s flag for it is made from that declaration
 * (its default and help are the option's), and no command declares it again.
 */
class JobFlagsTest {
  /** Every option StreamOptions declares. */
  static List<ConfigOption<?>> streamOptions() throws IllegalAccessException {
    List<ConfigOption<?>> all = new ArrayList<>();
    for (Field f : StreamOptions.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
        all.add((ConfigOption<?>) f.get(null));
      }
    }
    return all;
  }

  /** A subcommand of fmselect's command tree, as users reach it. */
  static CommandLine sub(String... path) {
    CommandLine cl = Main.commandLine();
    for (String name : path) {
      cl = cl.getSubcommands().get(name);
    }
    return cl;
  }

  private static CommandSpec run() {
    return new CommandLine(new RunCommand()).getCommandSpec();
  }

  /** Each flag's default and help text are its option's: the default itself, the description's first sentence. */
  @Test
  void everyJobFlagTakesItsDefaultAndHelpFromItsOption() throws Exception {
    CommandSpec run = run();
    Set<ConfigOption<?>> flagged = new HashSet<>();
    for (JobFlags.Flag f : JobFlags.FLAGS) {
      assertTrue(streamOptions().contains(f.option()), f.name() + ": an option of StreamOptions");
      assertTrue(flagged.add(f.option()), f.option().key() + " has one flag only");
      OptionSpec o = run.findOption(f.name());
      assertNotNull(o, f.name());
      assertNull(o.userObject(), f.name() + " is made from StreamOptions, not declared as a field");
      String help = String.join(" ", o.description());
      String summary = JobFlags.summary(f.option()); // the description's first sentence, keys written as flags
      for (JobFlags.Flag g : JobFlags.FLAGS) {
        summary = summary.replace(g.option().key(), g.name());
      }
      assertTrue(help.toLowerCase(Locale.ROOT).startsWith(summary.toLowerCase(Locale.ROOT)),
          f.name() + ": '" + help + "' starts with its option's '" + summary + "'");
      assertTrue(String.join(" ", f.option().description().getBlocks().stream()
          .map(b -> ((org.apache.flink.configuration.description.TextElement) b).getFormat()).toList())
          .startsWith(JobFlags.summary(f.option())), f.name());
      if (f.option().hasDefaultValue()) {
        assertEquals(JobFlags.defaultText(f.option().defaultValue()), o.defaultValue(), f.name());
        assertTrue(help.endsWith("(default: " + JobFlags.defaultText(f.option().defaultValue()) + ")"),
            f.name() + ": " + help);
      } else {
        assertNull(o.defaultValue(), f.name());
      }
    }
    // the help as users read it: the defaults written out from the options
    String usage = InProcess.run("run", "--help").out().replaceAll("\\s+", " ");
    assertTrue(usage.contains("input topic: LabeledSample records (default: " + Topics.SAMPLES + ")"), usage);
    assertTrue(usage.contains("selection method (default: " + Methods.DEFAULT + ")"), usage);
    assertTrue(usage.contains("(default: 10s)"), usage);
    assertTrue(usage.contains("every --explain-every windows"), "keys are written as their flags: " + usage);
    assertTrue(usage.contains("--idle-flush=DURATION once every partition is silent this long"), usage);
  }

  /**
   * No command-line option of {@code run} (its own or its mixins') is declared for a job option outside the
   * flag table: an annotated field named like an option's key (its last part, or the table's spelling)
   * would be a second declaration.
   */
  @Test
  void noJobOptionIsDeclaredAsAFlagElsewhere() throws Exception {
    Set<String> jobNames = new HashSet<>();
    for (ConfigOption<?> o : streamOptions()) {
      String key = o.key();
      jobNames.add("--" + key.substring(key.lastIndexOf('.') + 1));
    }
    JobFlags.FLAGS.forEach(f -> jobNames.add(f.name()));
    for (OptionSpec o : run().options()) {
      if (o.userObject() != null) { // declared with @Option
        for (String name : o.names()) {
          assertFalse(jobNames.contains(name), name + " is a job option's flag declared outside JobFlags");
        }
      }
    }
    assertEquals(JobFlags.FLAGS.size(), run().options().stream().filter(o -> o.userObject() == null).count(),
        "every option without a field is a job flag");
  }

  /**
   * A flag sets its option after -D (and config.yaml); a flag not given leaves them alone (its shown default
   * is the option's, not a value of its own).
   */
  @Test
  void flagsOverrideDashDAndOtherwiseLeaveIt() {
    RunCommand cmd = new RunCommand();
    new CommandLine(cmd).parseArgs("--bootstrap-servers", "b:1", "--no-web-ui", "--fm", "a=4", "--fm", "b=8",
        "--models", "rel/models", "-D", "fmselect.window=5s", "--window", "3s",
        "-D", "fmselect.fraction=0.3", "-D", "fmselect.ram-apl.a=0.4");
    Configuration conf = cmd.configuration();
    assertEquals(List.of("a=4", "b=8"), conf.get(StreamOptions.FMS));
    assertEquals(Path.of("rel/models").toAbsolutePath().toString(), conf.get(StreamOptions.MODELS_DIR));
    assertEquals(Duration.ofSeconds(3), conf.get(StreamOptions.WINDOW), "the flag wins over -D");
    assertEquals(0.3, conf.get(StreamOptions.FRACTION), "-D stands: --fraction was not given");
    assertEquals(0.4, conf.get(StreamOptions.WEIGHT_A));
    assertFalse(conf.contains(StreamOptions.METHOD), "a flag not given sets nothing");
  }

  /** The defaults other commands show are the job's own constants. */
  @Test
  void otherCommandsShowTheJobsDefaults() throws Exception {
    assertEquals(Methods.DEFAULT, StreamOptions.METHOD.defaultValue());
    assertEquals(RamApl.DEFAULT_A, StreamOptions.WEIGHT_A.defaultValue());
    assertEquals(RamApl.DEFAULT_K, StreamOptions.WEIGHT_K.defaultValue());
    assertEquals(RamApl.DEFAULT_S, StreamOptions.WEIGHT_S.defaultValue());
    for (String command : List.of("demo", "bench continual")) {
      CommandLine cl = sub(command.split(" "));
      assertEquals(Methods.DEFAULT, cl.getCommandSpec().findOption("--method").defaultValue(), command);
      assertEquals(StreamOptions.FRACTION.defaultValue(),
          Double.valueOf(cl.getCommandSpec().findOption("--fraction").defaultValue()), command);
    }
    CommandSpec select = sub("select").getCommandSpec();
    assertEquals(Methods.DEFAULT, select.findOption("--method").defaultValue());
    assertEquals(RamApl.DEFAULT_A, Double.valueOf(select.findOption("--a").defaultValue()));
    assertEquals(RamApl.DEFAULT_K, Double.valueOf(select.findOption("--k").defaultValue()));
    assertEquals(RamApl.DEFAULT_S, Double.valueOf(select.findOption("--s").defaultValue()));
  }

  /** Every command that takes a fraction refuses one outside (0, 1] in the same words (one check). */
  @Test
  void everyFractionIsCheckedByOneFunction() {
    RunCommandTest.refused("fmselect.fraction must be in (0, 1], got 2.0", "run", "--bootstrap-servers",
        "127.0.0.1:1", "--fm", "a=4", "--fraction", "2");
    RunCommandTest.refused("--fraction must be in (0, 1], got 2.0", "demo", "--fraction", "2");
    RunCommandTest.refused("--fraction must be in (0, 1], got 0.0", "bench", "continual", "--fraction", "0");
    RunCommandTest.refused("--fraction must be in (0, 1], got 1.5", "select", "--fraction", "1.5", "--labels", "l.npy",
        "--features", "x=f.npy", "--out", "-");
  }
}
