package io.fmselect.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The client commands that run from the job jar alone ({@code target/fmselect-job.jar} plus a Flink
 * distribution's {@code lib/}, as in the Docker image): {@code generate}, {@code produce}, {@code subset},
 * {@code select} and {@code models} (the image build pulls its encoders with it). {@link Main} registers every command, and some ({@code kafka}, the benchmarks) need classes
 * the job jar leaves out. The image's {@code fmselect} script runs this class:
 * {@code java -cp "/opt/flink/usrlib/fmselect-job.jar:/opt/flink/lib/*" io.fmselect.cli.ClientMain produce ...}.
 */
@Command(
    name = "fmselect",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    resourceBundle = "io.fmselect.cli.messages",
    description = "Runs fmselect's client commands, the job jar's: generate, produce, subset, select, models.",
    subcommands = {GenerateCommand.class, ProduceCommand.class, SubsetCommand.class, SelectCommand.class,
        ModelsCommand.class, CommandLine.HelpCommand.class})
public final class ClientMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required (generate, produce, subset, select, models)");
  }

  /** The command line with fmselect's one-line error handling. */
  public static CommandLine commandLine() {
    return Main.withErrorHandling(Main.withHelpStyle(new CommandLine(new ClientMain())));
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
