package io.fmselect.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic outputs: whole or absent, with the permissions of any new file. */
public class AtomicFileTest {
  @TempDir Path dir;

  /** The permissions a new file gets here (0666 less the umask), as rwxr-xr-x text. */
  public static String newFilePermissions(Path dir) throws IOException {
    Path plain = Files.createFile(dir.resolve("plain-" + System.nanoTime()));
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(plain));
    } finally {
      Files.delete(plain);
    }
  }

  @Test
  void writtenFilesGetTheUmasksPermissionsNotOwnerOnly() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX file system");
    String expected = newFilePermissions(dir);
    Path f = dir.resolve("x.npy");
    AtomicFile.write(f, o -> o.write(new byte[] {1, 2, 3}));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    if (expected.equals("rw-r--r--")) {
      System.out.println("umask 022: written with rw-r--r-- (0644)");
    }
    // replacing a file: the new one's permissions too
    AtomicFile.write(f, o -> o.write(new byte[] {4}));
    assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
  }

  @Test
  void aFailedBatchLeavesNothing() throws Exception {
    try (AtomicFile.Batch b = new AtomicFile.Batch()) {
      b.add(dir.resolve("a"), o -> o.write(1));
      assertThrows(IOException.class, () -> b.add(dir.resolve("b"), o -> {
        throw new IOException("disk full");
      }));
    }
    try (var s = Files.list(dir)) {
      assertEquals(List.of(), s.toList());
    }
  }
}
