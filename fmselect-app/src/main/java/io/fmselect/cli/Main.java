package io.fmselect.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fmselect} command line: one subcommand per task. */
@Command(
    name = "fmselect",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    resourceBundle = "io.fmselect.cli.messages",
    description = "Keeps a small, informative, class-balanced subset of a labeled (image) dataset.",
    subcommands = {SelectCommand.class, GenerateCommand.class, DemoCommand.class, KafkaCommand.class, RegistryCommand.class,
        ProduceCommand.class, SubsetCommand.class, RunCommand.class, EmbedCommand.class, ModelsCommand.class, BenchCommand.class, BenchCopyCommand.class, BenchEmbedCommand.class, BenchRecomputeCommand.class, BenchLatencyCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Width of the usage help: fixed, not the terminal's, so the help reads the same everywhere. */
  static final int HELP_WIDTH = 80;

  /** Exit code of a usage or input error. */
  public static final int EXIT_BAD_INPUT = 2;
  /** Standard output closed by its reader before all was written ({@code | head}): 128 + SIGPIPE, as other tools exit. */
  public static final int EXIT_STDOUT_CLOSED = 141;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (select, generate, demo)");
  }

  /** The command line with fmselect's one-line error handling. */
  public static CommandLine commandLine() {
    return withErrorHandling(withHelpStyle(new CommandLine(new Main())));
  }

  /** Sets the usage help's width on a command line and all its subcommands (see {@link #HELP_WIDTH}). */
  static CommandLine withHelpStyle(CommandLine cl) {
    return cl.setUsageHelpWidth(HELP_WIDTH).setUsageHelpAutoWidth(false);
  }

  /**
   * Installs fmselect's one-line error handling (exit code 2 for bad input) on a command line; messages
   * start with the command's full name ("fmselect models pull: error: ...").
   */
  static CommandLine withErrorHandling(CommandLine cl) {
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println(cmd.getCommandName().equals("fmselect")
          ? "fmselect: error: " + ex.getMessage() + " (see fmselect --help)"
          : cmd.getCommandSpec().qualifiedName() + ": error: " + ex.getMessage() + " (see "
              + cmd.getCommandSpec().qualifiedName() + " --help)");
      return EXIT_BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      if (ex instanceof UserError) {
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + ex.getMessage());
        return EXIT_BAD_INPUT;
      }
      if (ex instanceof io.fmselect.io.AtomicFile.WriteFailed w && w.standardOutput()) {
        return EXIT_STDOUT_CLOSED; // `| head` took what it wanted: no message, the exit status of SIGPIPE
      }
      if (ex instanceof JobFailed || ex instanceof io.fmselect.io.AtomicFile.WriteFailed) {
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + ex.getMessage());
        return ex instanceof JobFailed f ? f.exitCode() : 1;
      }
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": internal error: " + ex);
      ex.printStackTrace(cmd.getErr());
      return 1;
    });
    return cl;
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("select")) {
      // Gets C2 compiling the vector kernels while the JVM starts up and the inputs are opened
      // (-Dfmselect.warmup.rounds=0 turns it off).
      io.fmselect.select.Warmup.startOnce();
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * {@code fmselect VERSION (commit HASH)}: the pom's version and the git commit the build was made from
   * (short hash, "-dirty" when tracked files had changes, "unknown" when built without git), both written
   * into {@code version.properties} by the build.
   */
  static final class Version implements CommandLine.IVersionProvider {
    /** The build's facts, filtered into the class path by Maven (pom.xml). */
    static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() throws java.io.IOException {
      java.util.Properties build = new java.util.Properties();
      try (java.io.InputStream in = Main.class.getResourceAsStream(RESOURCE)) {
        if (in != null) {
          build.load(in);
        }
      }
      return new String[] {"fmselect " + known(build.getProperty("version")) + " (commit "
          + known(build.getProperty("commit")) + ")"};
    }

    /** A filtered value, or "unknown" where the file is missing or was not filtered (an IDE build). */
    private static String known(String value) {
      return value == null || value.isBlank() || value.contains("${") ? "unknown" : value.strip();
    }
  }
}
