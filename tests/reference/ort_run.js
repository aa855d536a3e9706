// Runs an ONNX model on ONNX Runtime (onnxruntime-node, CPU, one thread),
// the reference runtime nobody here wrote:
//   node ort_run.js MODEL OUT_DIR RUNS INPUT.npy...
// Inputs are .npy files in graph-input order; writes OUT_DIR/output_<i>.npy
// per graph output and prints {"ms_per_run": ...} (mean over RUNS runs after
// one warm-up).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const kTypes = {'<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
                '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
                '|u1': ['uint8', Uint8Array], '|i1': ['int8', Int8Array], '|b1': ['bool', Uint8Array]};

function readNpy(path) {
  const b = fs.readFileSync(path);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = b[6], hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const at = major === 1 ? 10 : 12;
  const header = b.toString('latin1', at, at + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter(s => s.trim()).map(Number);
  if (!kTypes[descr] || /'fortran_order':\s*True/.test(header)) throw new Error(`${path}: unsupported ${descr}`);
  const [type, Ctor] = kTypes[descr];
  const body = b.subarray(at + hlen);
  const data = new Ctor(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
  return new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data) : data, shape);
}

function writeNpy(path, t) {
  const descr = Object.keys(kTypes).find(k => kTypes[k][0] === t.type);
  if (!descr) throw new Error(`output of type ${t.type} cannot be written`);
  const dims = t.dims.length === 1 ? `${t.dims[0]},` : t.dims.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  fs.writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
}

(async () => {
  const [model, outDir, runsArg, ...inputs] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1, interOpNumThreads: 1});
  if (inputs.length !== session.inputNames.length)
    throw new Error(`${model} has ${session.inputNames.length} inputs, got ${inputs.length} files`);
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readNpy(inputs[i]); });
  let out = await session.run(feeds);
  const runs = Math.max(1, Number(runsArg));
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; ++i) out = await session.run(feeds);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  session.outputNames.forEach((name, i) => writeNpy(`${outDir}/output_${i}.npy`, out[name]));
  console.log(JSON.stringify({ms_per_run: ms}));
})().catch(e => { console.error(`ort_run.js: ${e.message}`); process.exit(1); });
