// End-to-end tests: the product and the dashboard started in-process, driven by Debian's Chromium.
const path = require('node:path');
const preset = require('../../jest.preset.js')(__dirname);
module.exports = {
  ...preset,
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(__dirname, 'e2e', 'tsconfig.json') }] },
  testMatch: ['<rootDir>/e2e/**/*.spec.ts'],
  testTimeout: 15 * 60 * 1000,
};
// The product's WASM worker threads outlive its stop(); the run is over when the tests are.
module.exports.forceExit = true;
