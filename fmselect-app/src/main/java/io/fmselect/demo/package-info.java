/**
 * The data and the report of {@code fmselect demo}: {@link io.fmselect.demo.DemoData} (labeled images from
 * a folder, Fashion-MNIST or a generated set, with seeded label noise and a long tail) and
 * {@link io.fmselect.demo.DemoReport} (manifest, HTML page, charts and contact sheets of the subset).
 */
package io.fmselect.demo;
