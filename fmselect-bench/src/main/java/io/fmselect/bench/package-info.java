/** JMH benchmarks of fmselect-core, written against its public API only. */
package io.fmselect.bench;
