#!/usr/bin/env node
// Times ONNX Runtime (npm onnxruntime-node, CPU, one intra-op thread, all graph optimisations) on one model:
//   node ort_bench.js MODEL.onnx INPUT.bin REPEAT [OUTPUT.bin]
// prints "ort_ms=<median of REPEAT runs>" after one warm-up run; with OUTPUT.bin it first writes the warm-up run's
// output there (raw float32), the reference each shufflec build is checked against before it is timed.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [modelPath, inputPath, repeat, outputPath] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: ['cpu'],
    graphOptimizationLevel: 'all', logSeverityLevel: 3,
  });
  const raw = fs.readFileSync(inputPath);
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const side = Math.round(Math.sqrt(data.length / 3));
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, side, side])};
  const warm = await session.run(feeds);
  if (outputPath) {
    const out = warm[session.outputNames[0]].data;
    fs.writeFileSync(outputPath, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  }
  const times = [];
  for (let i = 0; i < Number(repeat); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`ort_ms=${times[Math.floor(times.length / 2)].toFixed(3)}`);
}
main().catch((e) => { console.error(`ort_bench.js: ${e.message}`); process.exit(1); });
