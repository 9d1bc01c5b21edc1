package io.fmselect.cli;

import io.fmselect.stream.StreamOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code run}'s flags for the job's options, made from their one declaration in {@link StreamOptions}: this
 * class names which options are flags and how they are spelled ({@code --window DURATION}); their defaults and
 * help come from the {@link ConfigOption}s (the help is the first sentence of the option's description, with
 * {@code (default: X)} after it), and a given flag sets its option as {@code -D KEY=VALUE} would, after
 * {@code -D}. {@code run} declares them with {@code @Command(modelTransformer = JobFlags.class)}.
 */
public final class JobFlags implements CommandLine.IModelTransformer {
  /** How a flag's value becomes the option's. */
  enum Kind {
    /** One value, parsed as the option's type (as {@code -D} parses it). */
    VALUE,
    /** A list option: the flag is repeated, one element each. */
    REPEATED,
    /** A folder: made absolute where the command runs, so the job finds it from anywhere. */
    PATH
  }

  /** One job option's flag: its name and value label. */
  record Flag(ConfigOption<?> option, String name, String paramLabel, Kind kind) {}

  /** Every job option {@code run} has a flag for, in the order its help lists them. */
  static final List<Flag> FLAGS = List.of(
      new Flag(StreamOptions.INPUT_TOPIC, "--input-topic", "TOPIC", Kind.VALUE),
      new Flag(StreamOptions.OUTPUT_TOPIC, "--output-topic", "TOPIC", Kind.VALUE),
      new Flag(StreamOptions.REJECTS_TOPIC, "--rejects-topic", "TOPIC", Kind.VALUE),
      new Flag(StreamOptions.CLASSES_TOPIC, "--classes-topic", "TOPIC", Kind.VALUE),
      new Flag(StreamOptions.EXPLAIN_TOPIC, "--explain-topic", "TOPIC", Kind.VALUE),
      new Flag(StreamOptions.EXPLAIN_EVERY, "--explain-every", "N", Kind.VALUE),
      new Flag(StreamOptions.FMS, "--fm", "NAME=DIM", Kind.REPEATED),
      new Flag(StreamOptions.MODELS_DIR, "--models", "DIR", Kind.PATH),
      new Flag(StreamOptions.METHOD, "--method", "NAME", Kind.VALUE),
      new Flag(StreamOptions.FRACTION, "--fraction", "R", Kind.VALUE),
      new Flag(StreamOptions.WINDOW, "--window", "DURATION", Kind.VALUE),
      new Flag(StreamOptions.OUT_OF_ORDERNESS, "--out-of-orderness", "DURATION", Kind.VALUE),
      new Flag(StreamOptions.IDLENESS, "--idleness", "DURATION", Kind.VALUE),
      new Flag(StreamOptions.IDLE_FLUSH, "--idle-flush", "DURATION", Kind.VALUE),
      new Flag(StreamOptions.MAX_FUTURE, "--max-future", "DURATION", Kind.VALUE),
      new Flag(StreamOptions.PUBLISH, "--publish", "MODE", Kind.VALUE),
      new Flag(StreamOptions.SCHEMA_REGISTRY, "--schema-registry", "URL", Kind.VALUE));

  /** The first of the command's own options that the job flags come before in its help (those after it follow). */
  static final String FIRST_AFTER = "--bounded";

  /**
   * Adds the job flags to {@code run}'s model, before {@link #FIRST_AFTER} and the options after it (picocli
   * lists options in the order they were added).
   */
  @Override
  public CommandSpec transform(CommandSpec spec) {
    List<OptionSpec> after = new ArrayList<>();
    boolean found = false;
    for (OptionSpec o : spec.options()) {
      found |= o.longestName().equals(FIRST_AFTER);
      if (found) {
        after.add(o);
      }
    }
    after.forEach(spec::remove);
    for (Flag f : FLAGS) {
      spec.addOption(optionSpec(f));
    }
    after.forEach(spec::addOption);
    return spec;
  }

  /** The picocli option of a flag: its default and help from the option's declaration. */
  static OptionSpec optionSpec(Flag f) {
    OptionSpec.Builder b = OptionSpec.builder(f.name()).paramLabel(f.paramLabel()).description(help(f));
    if (f.kind() == Kind.REPEATED) {
      b.type(List.class).auxiliaryTypes(String.class);
    } else {
      b.type(String.class);
    }
    if (f.option().hasDefaultValue()) {
      b.defaultValue(defaultText(f.option().defaultValue()));
    }
    return b.build();
  }

  /**
   * A flag's help: the first sentence of its option's description, starting lower-case (an acronym such as FM
   * aside), without its period, with option keys written as their flags, "; repeat" for a list, and
   * "(default: ${DEFAULT-VALUE})" where the option has a default.
   */
  static String help(Flag f) {
    String text = summary(f.option());
    String first = text.split("[\\s:(,]", 2)[0];
    if (first.chars().skip(1).noneMatch(Character::isUpperCase)) { // an acronym (FM) keeps its case
      text = Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
    List<Flag> byKeyLength = new ArrayList<>(FLAGS);
    byKeyLength.sort(Comparator.comparingInt((Flag g) -> g.option().key().length()).reversed());
    for (Flag g : byKeyLength) {
      text = text.replace(g.option().key(), g.name());
    }
    text = text.replace("%", "%%"); // picocli formats descriptions
    if (f.kind() == Kind.REPEATED) {
      text += "; repeat";
    }
    if (f.option().hasDefaultValue()) {
      text += " (default: ${DEFAULT-VALUE})";
    }
    return text;
  }

  /** The first sentence of an option's description (up to the first ". "), without its period. */
  static String summary(ConfigOption<?> option) {
    StringBuilder all = new StringBuilder();
    for (BlockElement block : option.description().getBlocks()) {
      all.append(((TextElement) block).getFormat());
    }
    String text = all.toString();
    int end = text.indexOf(". ");
    text = end < 0 ? text : text.substring(0, end + 1);
    return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
  }

  /** A default as a user writes it: a duration as 10s, 1h. */
  static String defaultText(Object value) {
    return value instanceof Duration d ? TimeUtils.formatWithHighestUnit(d).replace(" ", "") : String.valueOf(value);
  }

  /**
   * Sets in {@code conf} the option of every job flag given on {@code run}'s command line (as parsed into
   * {@code spec}); a value its option cannot take is a {@link UserError} naming the flag.
   */
  static void apply(CommandSpec spec, Configuration conf) {
    CommandLine.ParseResult parsed = spec.commandLine() == null ? null : spec.commandLine().getParseResult();
    if (parsed == null) {
      return;
    }
    for (Flag f : FLAGS) {
      OptionSpec given = parsed.matchedOption(f.name());
      if (given != null) {
        set(conf, f, given.stringValues());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void set(Configuration conf, Flag f, List<String> values) {
    switch (f.kind()) {
      case REPEATED -> conf.set((ConfigOption<List<String>>) f.option(), List.copyOf(values));
      case PATH -> conf.setString(f.option().key(), Path.of(last(values)).toAbsolutePath().toString());
      case VALUE -> {
        conf.setString(f.option().key(), last(values));
        try {
          conf.get(f.option()); // parsed now, so that a bad value names its flag
        } catch (IllegalArgumentException e) {
          Throwable cause = e;
          while (cause.getCause() != null) {
            cause = cause.getCause();
          }
          throw new UserError(f.name() + ": bad " + kind(f.option()) + " '" + last(values) + "': "
              + cause.getMessage());
        }
      }
    }
  }

  private static String last(List<String> values) {
    return values.get(values.size() - 1);
  }

  /** What a value of the option is, in an error: a duration, a number. */
  private static String kind(ConfigOption<?> option) {
    Object d = option.hasDefaultValue() ? option.defaultValue() : "";
    return d instanceof Duration ? "duration" : d instanceof Number ? "number" : "value";
  }
}
