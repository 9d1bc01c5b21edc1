package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Samples.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the savepoint resource that {@link SavepointCompatibilityITCase} restores: the first run of that test's
 * samples, stopped with a savepoint, and the records it published. Not a test of the build (its name matches
 * neither the unit nor the integration tests' pattern): it runs only when named, as below.
 */
class SavepointResourceWriter {
  static InJvmKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  /**
   * Writes the resource into the directory named by {@code -Dfmselect.savepoint.write} (its {@code savepoint/}
   * replaced, one {@code .records} file per output topic, and the codecs' formats, {@link SavepointResourceTest}). Run from the repository root:
   * <pre>
   * mvn -B -o verify -pl fmselect-stream -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
   *   -Dit.test=SavepointResourceWriter -Dfailsafe.failIfNoSpecifiedTests=false \
   *   -Dfmselect.savepoint.write=src/test/resources/savepoints/v3
   * </pre>
   * (the path relative to fmselect-stream, where its tests run; v3 = {@link SubsetJob#LAYOUT}).
   */
  @Test
  void writesTheResource(@TempDir Path tmp) throws Exception {
    String to = System.getProperty(SavepointCompatibilityITCase.WRITE_PROPERTY);
    assertTrue(to != null && !to.isBlank(), "name the resource folder with -D" + SavepointCompatibilityITCase.WRITE_PROPERTY);
    Path out = Path.of(to);
    assertTrue(out.getFileName().toString().equals(SubsetJob.LAYOUT), "the resource lies in a folder named "
        + SubsetJob.LAYOUT + ": " + out);
    List<Sample> all = SavepointCompatibilityITCase.samples();
    try (EventTimeITCase.Run run = new EventTimeITCase.Run(kafka, SavepointCompatibilityITCase.TAG, 2);
        CommittedReader subset = new CommittedReader(kafka, SavepointCompatibilityITCase.OUTPUTS[0]);
        CommittedReader windows = new CommittedReader(kafka, SavepointCompatibilityITCase.OUTPUTS[2])) {
      for (int n = 0; n < SavepointCompatibilityITCase.FIRST; n++) {
        run.send(n % 2, all.get(n));
      }
      run.flush();
      SavepointCompatibilityITCase.start(run);
      assertTrue(PublishCadenceITCase.lastEndPublished(windows, subset, 3000, Duration.ofSeconds(60)),
          "window 3000 is published");
      Path savepoint = Path.of(java.net.URI.create(run.stopWithSavepoint(tmp)));
      SavepointCompatibilityITCase.deleteTree(out.resolve("savepoint"));
      SavepointCompatibilityITCase.copyTree(savepoint, Files.createDirectories(out).resolve("savepoint"));
      assertEquals(List.of(), EventTimeITCase.rejects(kafka, run.rejects), "nothing rejected");
      for (String topic : SavepointCompatibilityITCase.OUTPUTS) {
        SavepointCompatibilityITCase.writeRecords(kafka.readCommitted(topic), out.resolve(topic + ".records"));
      }
      SavepointResourceTest.writeFormats(out.resolve(SavepointResourceTest.FORMATS));
    }
  }
}
