package io.fmselect.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomic outputs: whole or absent, with the permissions of any new file; and what is not a regular file
 * (a device, a FIFO, a symbolic link, standard output) is written, never replaced.
 */
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

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Temporary files of ours anywhere they could be: beside the outputs, or staged in java.io.tmpdir. */
  private static List<Path> temps(Path... dirs) throws IOException {
    List<Path> found = new java.util.ArrayList<>();
    for (Path d : dirs) {
      try (Stream<Path> s = Files.list(d)) {
        s.filter(p -> p.getFileName().toString().endsWith(".tmp")).forEach(found::add);
      }
    }
    return found;
  }

  private static long stagedCount() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().matches("fmselect-.*\\.out")).count();
    }
  }

  @Test
  void aCharacterDeviceIsWrittenNotReplaced() throws Exception {
    // as root a node of our own (c 1 3), never the machine's /dev/null; otherwise /dev/null itself
    Path dev = SpecialFiles.nullDevice(dir);
    Object rdev = Files.getAttribute(dev, "unix:rdev");
    long staged = stagedCount();
    AtomicFile.write(dev, o -> o.write(bytes("discarded\n")));
    assertTrue(SpecialFiles.isCharDevice(dev), dev + " is still a character device");
    assertEquals(rdev, Files.getAttribute(dev, "unix:rdev"), "the same device");
    assertEquals(List.of(), temps(dir, dev.getParent()));
    assertEquals(staged, stagedCount(), "no staged copy left");
  }

  @Test
  void aFifosReaderGetsTheWholeContent() throws Exception {
    Path fifo = SpecialFiles.fifo(dir.resolve("pipe"));
    SpecialFiles.FifoReader reader = new SpecialFiles.FifoReader(fifo);
    byte[] content = new byte[1 << 20]; // far more than a pipe holds (64 KiB): the reader must drain it
    new Random(3).nextBytes(content);
    AtomicFile.write(fifo, o -> o.write(content));
    assertArrayEquals(content, reader.await());
    assertTrue(SpecialFiles.isFifo(fifo), "still a FIFO");
    assertEquals(List.of(), temps(dir));
  }

  @Test
  void aSymlinkChainStaysAndItsFinalTargetGetsTheContent() throws Exception {
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Path target = Files.writeString(elsewhere.resolve("real.txt"), "old\n");
    Path links = Files.createDirectories(dir.resolve("links"));
    Path first = Files.createSymbolicLink(links.resolve("first"), Path.of("../elsewhere/real.txt")); // relative
    Path second = Files.createSymbolicLink(links.resolve("second"), first); // a link to a link
    AtomicFile.write(second, o -> o.write(bytes("new\n")));
    assertEquals("new\n", Files.readString(target));
    assertTrue(Files.isSymbolicLink(second) && Files.isSymbolicLink(first), "the links are links still");
    assertEquals(first, Files.readSymbolicLink(second));
    assertEquals(Path.of("../elsewhere/real.txt"), Files.readSymbolicLink(first));
    assertEquals(List.of(), temps(links, elsewhere));
  }

  @Test
  void aDanglingSymlinkGetsItsTargetCreated() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), sub.resolve("new.txt"));
    AtomicFile.write(link, o -> o.write(bytes("made\n")));
    assertTrue(Files.isSymbolicLink(link));
    assertEquals("made\n", Files.readString(sub.resolve("new.txt")));
    // a link into a folder that does not exist: one clear reason, nothing created
    Path nowhere = Files.createSymbolicLink(dir.resolve("nowhere"), dir.resolve("missing/x.txt"));
    OutputTarget.Unusable e = assertThrows(OutputTarget.Unusable.class, () -> AtomicFile.write(nowhere, o -> o.write(1)));
    assertEquals("directory " + dir.resolve("missing") + " does not exist", e.reason());
    Path loop = Files.createSymbolicLink(dir.resolve("loop"), dir.resolve("loop"));
    assertEquals("too many levels of symbolic links",
        assertThrows(OutputTarget.Unusable.class, () -> AtomicFile.write(loop, o -> o.write(1))).reason());
    assertEquals("is a directory",
        assertThrows(OutputTarget.Unusable.class, () -> AtomicFile.write(sub, o -> o.write(1))).reason());
    assertEquals(List.of(), temps(dir, sub));
  }

  @Test
  void dashAndDevStdoutAreStandardOutputAndStderrIsStandardError() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/stdout")), "/dev/stdout exists (Linux)");
    // as root through a link of our own to /dev/stdout: see SpecialFiles.devStdout
    String devStdout = SpecialFiles.devStdout(dir).toString();
    for (String name : List.of("-", devStdout, "/dev/fd/1", "/proc/self/fd/1")) {
      if (!name.equals("-")) {
        assumeTrue(Files.exists(Path.of(name)), name + " exists (Linux)");
      }
      SpecialFiles.Captured<Void> c = SpecialFiles.capturingStdout(() -> {
        AtomicFile.write(Path.of(name), o -> o.write(bytes("rows of " + name + "\n")));
        return null;
      });
      assertEquals("rows of " + name + "\n", c.stdout(), name);
      assertEquals(OutputTarget.Kind.STDOUT, OutputTarget.of(Path.of(name)).kind(), name);
    }
    assertFalse(Files.exists(Path.of("-")), "no file named -");
    assertEquals(OutputTarget.Kind.STDERR, OutputTarget.of(Path.of("/dev/stderr")).kind());
    assertEquals(OutputTarget.Kind.FILE, OutputTarget.of(Path.of("./-")).kind(), "./- is a file named -");
  }

  @Test
  void anotherOpenDescriptorIsWrittenThroughProcNotRenamedInto() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "Linux /proc");
    Path file = dir.resolve("fd.txt");
    try (FileOutputStream held = new FileOutputStream(file.toFile())) {
      // the number of the descriptor this JVM holds on the file
      Path fd;
      try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
        fd = s.filter(p -> {
          try {
            return Files.readSymbolicLink(p).equals(file);
          } catch (IOException e) {
            return false; // closed meanwhile (the listing's own descriptor)
          }
        }).findFirst().orElseThrow();
      }
      Path self = Path.of("/proc/self/fd").resolve(fd.getFileName());
      assertEquals(OutputTarget.Kind.DIRECT, OutputTarget.of(self).kind());
      AtomicFile.write(self, o -> o.write(bytes("through the descriptor\n")));
      assertEquals("through the descriptor\n", Files.readString(file));
      assertTrue(Files.isRegularFile(file));
    }
  }

  @Test
  void aBatchWithADeviceAndStdoutPublishesNothingUnlessAllWereWritten() throws Exception {
    Path fifo = SpecialFiles.fifo(dir.resolve("pipe"));
    Path file = dir.resolve("file.txt");
    long staged = stagedCount();
    SpecialFiles.Captured<Void> failed = SpecialFiles.capturingStdout(() -> {
      try (AtomicFile.Batch b = new AtomicFile.Batch()) {
        b.add(Path.of("-"), o -> o.write(bytes("stdout\n")));
        b.add(fifo, o -> o.write(bytes("fifo\n")));
        b.add(file, o -> o.write(bytes("file\n")));
        assertThrows(IOException.class, () -> b.add(dir.resolve("late.txt"), o -> {
          throw new IOException("disk full");
        }));
      }
      return null;
    });
    assertEquals("", failed.stdout(), "nothing on standard output");
    assertFalse(Files.exists(file));
    assertEquals(staged, stagedCount(), "no staged copy left");
    assertEquals(List.of(), temps(dir));
    // the same batch written in full: every output, the FIFO's reader included
    SpecialFiles.FifoReader reader = new SpecialFiles.FifoReader(fifo);
    SpecialFiles.Captured<Void> ok = SpecialFiles.capturingStdout(() -> {
      try (AtomicFile.Batch b = new AtomicFile.Batch()) {
        b.add(Path.of("-"), o -> o.write(bytes("stdout\n")));
        b.add(fifo, o -> o.write(bytes("fifo\n")));
        b.add(file, o -> o.write(bytes("file\n")));
        b.commit();
      }
      return null;
    });
    assertEquals("stdout\n", ok.stdout());
    assertEquals("fifo\n", new String(reader.await(), StandardCharsets.UTF_8));
    assertEquals("file\n", Files.readString(file));
    assertEquals(staged, stagedCount(), "no staged copy left");
    assertEquals(List.of(), temps(dir));
  }

  @Test
  void aStdoutThatCannotBeWrittenFailsAndPublishesNoFile() throws Exception {
    Path file = dir.resolve("file.txt");
    java.io.PrintStream saved = System.out;
    // a PrintStream whose stream fails, as a closed pipe does
    System.setOut(new java.io.PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("Broken pipe");
      }
    }));
    try (AtomicFile.Batch b = new AtomicFile.Batch()) {
      b.add(Path.of("-"), o -> o.write(bytes(Arrays.toString(new int[100]))));
      b.add(file, o -> o.write(bytes("file\n")));
      AtomicFile.WriteFailed e = assertThrows(AtomicFile.WriteFailed.class, b::commit);
      assertTrue(e.getMessage().startsWith("standard output: write failed"), e.getMessage());
      assertTrue(e.standardOutput(), "a closed standard output, which the command leaves quietly");
    } finally {
      System.setOut(saved);
    }
    assertFalse(Files.exists(file), "the file is not published either");
    assertEquals(List.of(), temps(dir));
  }
}
