package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo never rewrites the encoders' own folder: an --out whose models/ is that folder is one line. */
class DemoModelsTest {
  @TempDir Path dir;

  @Test
  void anOutWhoseModelsFolderIsTheEncodersOwnIsRefusedAndNothingIsTouched() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    Path spec = Files.writeString(models.resolve("enc.yaml"), "name: enc\n");
    Path onnx = Files.writeString(models.resolve("enc.onnx"), "weights");
    UserError e = assertThrows(UserError.class, () -> DemoModels.choose(models, false, null, dir, null, null));
    assertEquals("--out " + dir + ": its models/ is the encoders' own folder (" + models
        + "), which the demo would overwrite; choose another --out", e.getMessage());
    assertEquals("name: enc\n", Files.readString(spec));
    assertEquals("weights", Files.readString(onnx));

    // the same folder reached through a link
    Path link = Files.createSymbolicLink(dir.resolve("elsewhere"), dir);
    assertTrue(DemoModels.sameFolder(link.resolve("models"), models));
    assertThrows(UserError.class, () -> DemoModels.choose(models, false, null, link, null, null));
    assertFalse(DemoModels.sameFolder(dir.resolve("other").resolve("models"), models));
  }
}
