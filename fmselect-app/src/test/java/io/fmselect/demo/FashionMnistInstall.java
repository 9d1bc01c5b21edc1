package io.fmselect.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.models.NsfwjsFiles;

/** Tests that read Fashion-MNIST install it first, as users do (tools/install-fashion-mnist.sh; nothing if present). */
public final class FashionMnistInstall {
  private static boolean done;

  private FashionMnistInstall() {}

  public static synchronized void ensure() throws java.io.IOException, InterruptedException {
    if (!done) {
      Process p = new ProcessBuilder("bash", NsfwjsFiles.root().resolve("tools/install-fashion-mnist.sh").toString())
          .inheritIO().start();
      assertEquals(0, p.waitFor(), "tools/install-fashion-mnist.sh");
      done = true;
    }
  }
}
