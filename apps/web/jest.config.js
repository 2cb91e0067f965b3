// Unit tests of the dashboard's helpers and components (rendered to static markup in Node: no DOM needed).
const preset = require('../../jest.preset.js')(__dirname);
module.exports = {
  ...preset,
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: require('node:path').join(__dirname, 'tsconfig.spec.json') }] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.tsx'],
  moduleNameMapper: { ...preset.moduleNameMapper, '\\.module\\.css$': '<rootDir>/src/test/css-module.js' },
};
