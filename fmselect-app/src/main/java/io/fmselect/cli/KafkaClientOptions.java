package io.fmselect.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The Kafka connection flags every Kafka command takes: the bootstrap servers, and a properties file
 * for everything else (SASL/SSL settings pass through untouched). Flags win over the file.
 */
final class KafkaClientOptions {
  @Option(names = "--bootstrap-servers", paramLabel = "SERVERS", required = true,
      description = "Kafka brokers: HOST:PORT, comma-separated")
  String bootstrapServers;

  @Option(names = "--kafka-properties", paramLabel = "FILE",
      description = "Kafka client properties file (security, SASL and SSL settings), passed through")
  Path propertiesFile;

  /** The client properties: the file's, then the bootstrap servers. */
  Properties properties() {
    Properties p = load(propertiesFile);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }

  /** A {@code --kafka-properties} file (null: none, empty properties); a file that cannot be read is one line. */
  static Properties load(Path file) {
    Properties p = new Properties();
    if (file != null) {
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (NoSuchFileException e) {
        throw new UserError("--kafka-properties " + file + ": no such file");
      } catch (IOException | IllegalArgumentException e) {
        throw new UserError("--kafka-properties " + file + ": cannot read (" + e.getMessage() + ")");
      }
    }
    return p;
  }
}
