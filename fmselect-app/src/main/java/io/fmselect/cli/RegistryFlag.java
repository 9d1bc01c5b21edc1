package io.fmselect.cli;

import io.fmselect.wire.SchemaRegistry;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * {@code --schema-registry URL} for the commands that read or write fmselect's topics beside the job ({@code run}
 * has it as a job option, {@code fmselect.schema-registry}). Credentials and a truststore go in the Kafka
 * properties file ({@value SchemaRegistry#USER_INFO}, {@value SchemaRegistry#TRUSTSTORE}).
 */
final class RegistryFlag {
  @Option(names = "--schema-registry", paramLabel = "URL",
      description = "schema registry URL (its Confluent-compatible API; Apicurio's ends in /apis/ccompat/v7):"
          + " records written in the Confluent wire format, schemas under the subjects <topic>-value; records read in"
          + " either framing (default: Avro single-object encoding, no registry)")
  String url;

  /** The Kafka client properties with the registry's URL added (when given). */
  Properties apply(Properties kafka) {
    if (url != null) {
      kafka.put(SchemaRegistry.URL, url);
    }
    return kafka;
  }
}
