/**
 * The selection rules (RAM-APL and the baselines), the exact centroid sums and the kernels behind them.
 *
 * <p>Internal to fmselect: public where fmselect's own modules (the streaming job's per-window step, the
 * command line) build on it, and free to change between releases. A library user calls
 * {@link io.fmselect.core.Selector} instead.
 */
package io.fmselect.select;
