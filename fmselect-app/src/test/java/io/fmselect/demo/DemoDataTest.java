package io.fmselect.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DemoDataTest {

  private static List<DemoData.Shot> all(DemoData d) {
    List<DemoData.Shot> out = new ArrayList<>();
    d.forEach(out::add);
    return out;
  }

  @Test
  void generatedSetHasTenBalancedClassesOfDecodablePngs() {
    DemoData d = DemoData.generated(200, 0, 1, 7, null);
    List<DemoData.Shot> shots = all(d);
    assertEquals(200, shots.size());
    assertEquals(200, d.size());
    assertEquals(10, d.classNames().size());
    int[] perClass = new int[10];
    Set<String> ids = new HashSet<>();
    for (DemoData.Shot s : shots) {
      perClass[(int) s.label()]++;
      assertEquals(s.trueLabel(), s.label());
      assertTrue(ids.add(s.id()), "duplicate id " + s.id());
      assertTrue(s.id().matches("gen-\\d{6}"), s.id());
      assertEquals("generated:" + Integer.parseInt(s.id().substring(4)), s.source());
      assertEquals(s.trueLabel(), Integer.parseInt(s.id().substring(4)) % 10);
    }
    for (int n : perClass) {
      assertEquals(20, n);
    }
    BufferedImage img = Png.decode(shots.get(0).image());
    assertNotNull(img);
    assertEquals(64, img.getWidth());
    assertEquals(64, img.getHeight());
    assertEquals(0, d.flipped());
    assertEquals("data: generated shapes and textures (seed 7), 200 of 200 images, 10 classes; label noise 0% (0 flipped),"
        + " long tail 1:1", d.description());
  }

  @Test
  void sameSeedSameDataOtherSeedOtherData() {
    List<DemoData.Shot> a = all(DemoData.generated(300, 0.2, 4, 11, 100));
    List<DemoData.Shot> b = all(DemoData.generated(300, 0.2, 4, 11, 100));
    List<DemoData.Shot> c = all(DemoData.generated(300, 0.2, 4, 12, 100));
    assertEquals(100, a.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).id(), b.get(i).id());
      assertEquals(a.get(i).label(), b.get(i).label());
      assertArrayEquals(a.get(i).image(), b.get(i).image());
    }
    assertNotEquals(a.stream().map(DemoData.Shot::id).toList(), c.stream().map(DemoData.Shot::id).toList());
    assertFalse(java.util.Arrays.equals(a.get(0).image(), new GeneratedImages(300, 12).image(
        Integer.parseInt(a.get(0).id().substring(4)))), "the seed changes the images too");
  }

  @Test
  void noiseFlipsAboutRToOtherClassesAndRemembersTheTruth() {
    DemoData d = DemoData.generated(2000, 0.2, 1, 3, null);
    long flipped = 0;
    Set<Long> flippedTo = new HashSet<>();
    for (String id : d.ids()) {
      if (d.noisy(id)) {
        flipped++;
        assertNotEquals(d.trueLabel(id), d.label(id));
        assertTrue(d.label(id) >= 0 && d.label(id) < 10);
        flippedTo.add(d.label(id));
      } else {
        assertEquals(d.trueLabel(id), d.label(id));
      }
    }
    assertEquals(flipped, d.flipped());
    assertEquals(0.2, flipped / 2000.0, 0.04); // sd of the rate is 0.009
    assertEquals(10, flippedTo.size());
    assertTrue(d.description().contains("label noise 20% (" + flipped + " flipped)"), d.description());
  }

  @Test
  void longTailKeepsGeometricSharesLargestKTimesSmallest() {
    DemoData d = DemoData.generated(2000, 0, 10, 5, null);
    int[] perClass = new int[10];
    for (String id : d.ids()) {
      perClass[(int) d.label(id)]++;
    }
    assertEquals(200, perClass[0]);
    assertEquals(20, perClass[9]);
    for (int c = 0; c < 10; c++) {
      assertEquals(Math.round(200 * Math.pow(10, -c / 9.0)), perClass[c], "class " + c);
    }
    assertTrue(d.description().endsWith("long tail 10:1"), d.description());
  }

  @Test
  void limitCapsAfterTheShuffleAndTheOrderIsMixed() {
    DemoData full = DemoData.generated(500, 0.1, 2, 9, null);
    DemoData cut = DemoData.generated(500, 0.1, 2, 9, 50);
    assertEquals(50, cut.size());
    assertEquals(full.ids().subList(0, 50), cut.ids());
    Set<Long> labels = new HashSet<>();
    for (String id : cut.ids()) {
      labels.add(cut.trueLabel(id));
      assertEquals(full.label(id), cut.label(id));
    }
    assertTrue(labels.size() >= 8, "a shuffled prefix mixes classes: " + labels);
    assertTrue(cut.description().contains("50 of 500 images"), cut.description());
    assertThrows(IllegalArgumentException.class, () -> DemoData.generated(500, 0.1, 2, 9, 0));
  }

  @Test
  void badParametersAreOneLine() {
    for (var r : List.<Runnable>of(() -> DemoData.generated(100, -0.1, 1, 1, null),
        () -> DemoData.generated(100, 1.5, 1, 1, null), () -> DemoData.generated(100, 0, 0.5, 1, null),
        () -> DemoData.generated(100, 0, Double.NaN, 1, null))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void sentIsCountedOnceAndThreadSafe() throws Exception {
    DemoData d = DemoData.generated(400, 0.3, 1, 2, null);
    List<DemoData.Shot> shots = all(d);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      int tt = t;
      pool.submit(() -> shots.forEach(x -> d.sent(x, tt))); // every thread sends every shot: each counts once
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    assertEquals(400, d.sentCount());
    assertEquals(d.flipped(), d.noisySent());
    assertTrue(d.wasSent(shots.get(0).id()));
    assertTrue(d.sentBy(shots.get(0).id(), 3) && !d.sentBy(shots.get(0).id(), -1), "sent with one of the threads' times");
    assertThrows(IllegalArgumentException.class, () -> d.sent(new DemoData.Shot("nope", 0, 0, new byte[0], "x"), 0));
  }

  @Test
  void theFirstSendingsEventTimeCounts() {
    DemoData d = DemoData.generated(100, 0, 1, 3, 10);
    DemoData.Shot s = d.shot(0);
    assertFalse(d.sentBy(s.id(), Long.MAX_VALUE), "not sent yet");
    d.sent(s, 100);
    d.sent(s, 50); // sent again: still the first time
    assertFalse(d.sentBy(s.id(), 99));
    assertTrue(d.sentBy(s.id(), 100));
    assertEquals(java.util.Set.of(s.id()), d.sentIds());
  }

  @Test
  void lookupsByIdAgreeWithIteration() {
    DemoData d = DemoData.generated(100, 0.3, 1, 4, 30);
    for (DemoData.Shot s : d) {
      DemoData.Shot again = d.byId(s.id());
      assertEquals(s.label(), again.label());
      assertEquals(s.trueLabel(), again.trueLabel());
      assertArrayEquals(s.image(), again.image());
      assertEquals(s.source(), d.source(s.id()));
      assertEquals(s.noisy(), d.noisy(s.id()));
    }
    assertNull(d.byId("gen-999999"));
    assertFalse(d.noisy("gen-999999"));
    assertThrows(IllegalArgumentException.class, () -> d.label("gen-999999"));
    assertEquals("class 12", d.className(12));
    assertEquals("ring", d.className(6));
  }
}
