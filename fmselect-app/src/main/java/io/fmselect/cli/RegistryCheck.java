package io.fmselect.cli;

import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;

/**
 * Before a command writes or reads records in the Confluent wire format, one round with the schema registry:
 * it must answer, and take the schema of every topic the command writes. Each failure is one line
 * ({@link UserError}, exit 2), before anything is written.
 */
final class RegistryCheck {
  private RegistryCheck() {}

  /**
   * The wire format the properties name (single-object without {@value SchemaRegistry#URL}); with a registry,
   * checks that it answers and registers each topic's value schema (a subject new to it gets BACKWARD).
   */
  static WireFormat open(Properties kafka, Map<String, Schema> writes) {
    WireFormat wire;
    try {
      wire = WireFormat.of(kafka);
    } catch (IllegalArgumentException e) {
      throw new UserError("--schema-registry: " + e.getMessage());
    }
    if (wire.registry() == null) {
      return wire;
    }
    try {
      wire.registry().check();
      writes.forEach(wire::register);
    } catch (SchemaRegistry.Unavailable | SchemaRegistry.Refused | IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    return wire;
  }
}
