package io.fmselect.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One class's thumbnails on one image (Java2D): the selected samples in rank order, framed in green, then
 * some of the samples not selected; a sample with an injected (flipped) label has a red corner.
 */
final class ContactSheet {
  static final int COLS = 12;
  static final int CELL = 64;
  static final int THUMB = 56;
  static final Color SELECTED = new Color(0x2e7d32);
  static final Color NOISY = new Color(0xd32f2f);
  private static final int PAD = 12;
  private static final int TITLE = 24;
  private static final int HEADING = 20;

  private ContactSheet() {}

  /** One thumbnail: the encoded image (null or undecodable: a grey "?") and whether its label is noisy. */
  record Tile(byte[] image, boolean noisy) {}

  /**
   * Draws the sheet.
   *
   * @param selectedTotal how many are selected in all ({@code selected} may show fewer)
   * @param unselectedTotal how many were not selected in all
   */
  static BufferedImage draw(String title, List<Tile> selected, int selectedTotal, List<Tile> unselected,
      int unselectedTotal) {
    int selRows = Math.max(1, (selected.size() + COLS - 1) / COLS);
    int unRows = Math.max(1, (unselected.size() + COLS - 1) / COLS);
    int width = 2 * PAD + COLS * CELL;
    int height = PAD + TITLE + HEADING + selRows * CELL + 8 + HEADING + unRows * CELL + 8 + HEADING + PAD;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int y = PAD;
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, PAD, y + 16);
      y += TITLE;
      y = section(g, "selected: " + shown(selected.size(), selectedTotal) + " (rank order)", selected, true, y);
      y += 8;
      y = section(g, "not selected: " + shown(unselected.size(), unselectedTotal), unselected, false, y);
      y += 8;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setColor(SELECTED);
      g.fillRect(PAD, y + 4, 12, 12);
      g.setColor(Color.DARK_GRAY);
      g.drawString("selected", PAD + 16, y + 15);
      corner(g, PAD + 90, y + 4, 12);
      g.setColor(Color.DARK_GRAY);
      g.drawString("injected noisy label (the true class differs)", PAD + 106, y + 15);
    } finally {
      g.dispose();
    }
    return img;
  }

  private static String shown(int shown, int total) {
    return shown == total ? String.valueOf(total) : shown + " of " + total + " shown";
  }

  private static int section(Graphics2D g, String heading, List<Tile> tiles, boolean selected, int y) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.setColor(Color.DARK_GRAY);
    g.drawString(heading, PAD, y + 14);
    y += HEADING;
    if (tiles.isEmpty()) {
      g.setColor(Color.GRAY);
      g.drawString("(none)", PAD + 4, y + CELL / 2);
    }
    for (int k = 0; k < tiles.size(); k++) {
      int x0 = PAD + (k % COLS) * CELL;
      int y0 = y + (k / COLS) * CELL;
      tile(g, tiles.get(k), selected, x0, y0);
    }
    return y + Math.max(1, (tiles.size() + COLS - 1) / COLS) * CELL;
  }

  private static void tile(Graphics2D g, Tile t, boolean selected, int x0, int y0) {
    int off = (CELL - THUMB) / 2;
    BufferedImage thumb = t.image() == null ? null : Png.decode(t.image());
    if (thumb == null) {
      g.setColor(Color.LIGHT_GRAY);
      g.fillRect(x0 + off, y0 + off, THUMB, THUMB);
      g.setColor(Color.DARK_GRAY);
      g.drawString("?", x0 + CELL / 2 - 3, y0 + CELL / 2 + 5);
    } else {
      g.drawImage(thumb, x0 + off, y0 + off, THUMB, THUMB, null);
    }
    if (selected) {
      g.setColor(SELECTED);
      g.setStroke(new BasicStroke(3));
      g.drawRect(x0 + off - 2, y0 + off - 2, THUMB + 3, THUMB + 3);
    } else {
      g.setColor(Color.LIGHT_GRAY);
      g.setStroke(new BasicStroke(1));
      g.drawRect(x0 + off - 1, y0 + off - 1, THUMB + 1, THUMB + 1);
    }
    if (t.noisy()) {
      corner(g, x0 + off + THUMB - 16, y0 + off, 16);
    }
  }

  /** A red right triangle in the top-right corner of a square of side {@code s} at (x, y). */
  private static void corner(Graphics2D g, int x, int y, int s) {
    g.setColor(NOISY);
    g.fill(new Polygon(new int[] {x, x + s, x + s}, new int[] {y, y, y + s}, 3));
  }
}
