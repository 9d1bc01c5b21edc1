/**
 * fmselect-core's public API: class-balanced subset selection of a labeled matrix, as a library.
 *
 * <pre>{@code
 * Selection s = Selector.ramApl().fraction(0.1).select(labels, dinov2, clip);   // float[][] per feature set
 * int[] keep = s.selectedRows();                                                // ascending row indexes
 * double score = s.score(keep[0]);                                              // and its figures
 * }</pre>
 *
 * <p>{@link io.fmselect.core.Selector} takes the labels (one per row) and one matrix per feature set
 * (float or double rows, or {@code .npy} files), and returns a {@link io.fmselect.core.Selection}: the
 * kept rows and, per row, the figures that decided it. The rules are exact (double arithmetic, budgets
 * rounded half to even, ties to the earlier row), the same as {@code fmselect select} and the
 * streaming job at a window end. Thread-safe: a {@code Selector} is immutable, a {@code Selection}
 * read-only.
 *
 * <p>Only this package is the library's API. The other packages of fmselect-core
 * ({@code io.fmselect.select}, {@code io.fmselect.io}) are public because fmselect's own modules
 * (the streaming job, the command line) build on them; they may change between releases.
 *
 * <p>Dependencies: the JDK alone (Java 17; the vector API module {@code jdk.incubator.vector} is used
 * when the JVM is started with {@code --add-modules jdk.incubator.vector}, and a scalar path gives the
 * same results without it). slf4j is optional: the one warning the core can print goes to it when it is
 * on the class path, else to standard error.
 */
package io.fmselect.core;
