package io.fmselect.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schemas in schemas/ stay FULL-compatible (both directions) with their first released version. */
class SchemaCompatibilityTest {
  @ParameterizedTest
  @ValueSource(strings = {"LabeledSample", "SubsetChange", "Rejected"})
  void currentAndFirstVersionReadEachOther(String name) throws Exception {
    Schema v1;
    try (InputStream in = getClass().getResourceAsStream("/schemas/v1/" + name + ".avsc")) {
      v1 = new Schema.Parser().parse(in);
    }
    Schema current = switch (name) {
      case "LabeledSample" -> LabeledSample.getClassSchema();
      case "SubsetChange" -> SubsetChange.getClassSchema();
      default -> Rejected.getClassSchema();
    };
    assertEquals(SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(current, v1).getType(), "current reads v1");
    assertEquals(SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(v1, current).getType(), "v1 reads current");
  }
}
