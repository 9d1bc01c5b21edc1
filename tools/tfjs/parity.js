// Runs one of nsfwjs's TensorFlow.js models, as the package bundles it, up to its pooled feature vector:
// the reference that fmselect's ONNX conversion (fmselect models pull) is compared with.
//
//   node tools/tfjs/parity.js MODEL_DIR KIND N SIZE INPUT OUTPUT
//
// MODEL_DIR: a model folder of the package (model.min.js, group1-shard*.min.js); KIND: layers or graph;
// INPUT: N images of SIZE x SIZE x 3 (NHWC, float32 little-endian, RGB in [0, 1]); OUTPUT: the features
// written as float32 little-endian, N rows. Prints "DIM" (the feature length) on stdout.
//
// At the model's own input size the features are the output of its pooling layer (node), as the model
// computes them. At another size that fixed-size pooling no longer covers the feature map: the model's
// input shape is then left open and the features are the mean of the feature map over its rows and
// columns (what the pooling computes at the model's own size, and what the ONNX GlobalAveragePool does).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const [dir, kind, nText, sizeText, input, output] = process.argv.slice(2);
  const n = Number(nText);
  const size = Number(sizeText);
  await tf.setBackend('cpu');
  const json = require(path.resolve(dir, 'model.min.js'));
  const specs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      buffers.push(Buffer.from(require(path.resolve(dir, p + '.min.js')), 'base64'));
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const artifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs: specs,
    weightData,
  };
  const raw = fs.readFileSync(input);
  const pixels = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  if (pixels.length !== n * size * size * 3) {
    throw new Error(`${input}: ${pixels.length} values, expected ${n} x ${size} x ${size} x 3`);
  }
  const x = tf.tensor4d(pixels, [n, size, size, 3]);
  let features;
  if (kind === 'layers') {
    const config = json.modelTopology.model_config.config;
    const input = config.layers.find((l) => l.class_name === 'InputLayer').config;
    // the classifier head starts at the Flatten after the last pooling
    const flatten = config.layers.find((l) => l.class_name === 'Flatten');
    const poolName = flatten.inbound_nodes[0][0][0];
    if (input.batch_input_shape[1] === size) {
      // the pooled features: the Flatten's output
      const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const f = model.getLayer(flatten.name);
      features = tf.model({ inputs: model.inputs, outputs: f.output }).predict(x);
    } else {
      // the model up to the feature map the pooling reads, its input size left open
      const pool = config.layers.find((l) => l.name === poolName);
      const mapName = pool.inbound_nodes[0][0][0];
      const last = config.layers.findIndex((l) => l.name === mapName);
      config.layers = config.layers.slice(0, last + 1);
      config.output_layers = [[mapName, 0, 0]];
      input.batch_input_shape = [null, null, null, 3];
      const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts), { strict: false });
      features = tf.mean(model.predict(x), [1, 2]);
    }
  } else {
    const nodes = json.modelTopology.node;
    const placeholder = nodes.find((m) => m.op === 'Placeholder');
    const dims = placeholder.attr.shape.shape.dim;
    const own = Number(dims[1].size) === size;
    const squeeze = nodes.find((m) => m.name.endsWith('feature_vector/SpatialSqueeze'));
    if (own) {
      const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
      features = model.execute(x, squeeze.name);
    } else {
      dims[1].size = '-1';
      dims[2].size = '-1';
      const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
      const pool = nodes.find((m) => m.name === squeeze.input[0]);
      features = tf.mean(model.execute(x, pool.input[0]), [1, 2]);
    }
  }
  const values = features.dataSync();
  fs.writeFileSync(output, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  console.log(features.shape[1]);
}

main().catch((e) => {
  console.error(`parity.js: ${e.message}`);
  process.exit(1);
});
