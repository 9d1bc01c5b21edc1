/**
 * {@code .npy} files (memory-mapped reading, writing), synthetic example data, and the atomic output files
 * every fmselect command writes through ({@link io.fmselect.io.AtomicFile}, {@link io.fmselect.io.OutputTarget}).
 *
 * <p>Internal to fmselect: public for fmselect's own modules, and free to change between releases. A library
 * user reads {@code .npy} files through {@link io.fmselect.core.Selector#select(java.nio.file.Path,
 * java.nio.file.Path...)}.
 */
package io.fmselect.io;
