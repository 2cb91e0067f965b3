// Jest runs each test file in its own realm, so typed arrays created there fail onnxruntime-common's
// `instanceof Float32Array` checks against arrays the native binding creates (and vice versa). This environment
// hands the test realm the process's own typed-array constructors. Use with `@jest-environment` in a docblock.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class NativeArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeArraysEnvironment;
