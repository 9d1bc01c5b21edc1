package io.fmselect.wire;

import io.fmselect.avro.SubsetChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;

/**
 * Decodes subset-topic records written by any released version of {@code SubsetChange.avsc}: the record's
 * fingerprint names its writer schema, and every version fmselect has shipped is known here
 * ({@code schemas/v1/} on the class path, and the current one), so records of an older job read as the
 * current class with the new fields at their defaults.
 */
public final class SubsetRecords {
  private SubsetRecords() {}

  private static final BinaryMessageDecoder<SubsetChange> DECODER = decoder();

  private static BinaryMessageDecoder<SubsetChange> decoder() {
    BinaryMessageDecoder<SubsetChange> d = new BinaryMessageDecoder<>(SpecificData.get(), SubsetChange.getClassSchema());
    try (InputStream in = SubsetRecords.class.getResourceAsStream("/schemas/v1/SubsetChange.avsc")) {
      d.addSchema(new Schema.Parser().parse(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return d;
  }

  /** The record, whichever shipped version wrote it; throws IOException if it is not a SubsetChange. */
  public static SubsetChange decode(ByteBuffer value) throws IOException {
    return DECODER.decode(value);
  }
}
