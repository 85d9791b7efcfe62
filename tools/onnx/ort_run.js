#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (npm onnxruntime-node, CPU, one intra-op thread): the ground truth of the
// ONNX frontend tests (tests/onnx, docs/onnx.md).
//
//   node ort_run.js MODEL.onnx INPUT.bin OUTPUT.bin [N,C,H,W]
//
// INPUT.bin is raw little-endian float32 in the shape of the model's only input (or the given shape, for a model
// with dynamic dimensions); OUTPUT.bin receives the only output, raw little-endian float32.
// onnxruntime-node is found through NODE_PATH or the usual node_modules lookup.
'use strict';
const fs = require('fs');

function die(msg) {
  process.stderr.write(`ort_run.js: error: ${msg}\n`);
  process.exit(1);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 3 || args.length > 4) die('usage: ort_run.js MODEL.onnx INPUT.bin OUTPUT.bin [N,C,H,W]');
  const [modelPath, inputPath, outputPath, shapeArg] = args;
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    die(`cannot load onnxruntime-node (${e.message}); install it with npm (see docs/onnx.md)`);
  }
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
    logSeverityLevel: 3,
  });
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1)
    die(`${modelPath}: expected one input and one output`);
  const raw = fs.readFileSync(inputPath);
  if (raw.length % 4 !== 0) die(`${inputPath}: not a float32 file`);
  const data = new Float32Array(raw.length / 4);
  for (let i = 0; i < data.length; ++i) data[i] = raw.readFloatLE(4 * i);
  let dims;
  if (shapeArg) {
    dims = shapeArg.split(',').map(Number);
  } else {
    const meta = session.inputMetadata ? session.inputMetadata[0] : undefined;
    dims = meta && meta.shape ? meta.shape : undefined;
    if (!dims || dims.some((d) => typeof d !== 'number')) die(`${modelPath}: dynamic input shape; pass N,C,H,W`);
  }
  if (dims.reduce((a, b) => a * b, 1) !== data.length)
    die(`${inputPath}: ${data.length} floats, but the input shape [${dims}] needs ${dims.reduce((a, b) => a * b, 1)}`);
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', data, dims);
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  if (out.type !== 'float32') die(`${modelPath}: output type ${out.type}, expected float32`);
  const buf = Buffer.alloc(out.data.length * 4);
  for (let i = 0; i < out.data.length; ++i) buf.writeFloatLE(out.data[i], 4 * i);
  fs.writeFileSync(outputPath + '.tmp', buf);
  fs.renameSync(outputPath + '.tmp', outputPath);
}

main().catch((e) => die(e && e.message ? e.message : String(e)));
