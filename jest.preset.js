// Shared jest settings: ts-jest with the repository's path aliases, so projects import each other by name.
const path = require('node:path');
const root = __dirname;
module.exports = (projectDir) => ({
  rootDir: projectDir,
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(projectDir, 'tsconfig.spec.json') }] },
  moduleNameMapper: {
    '^@microscope/(contracts|engine|storage|platform|imaging|catalog)$': path.join(root, 'libs/$1/src/index.ts'),
    '^@microscope/(ingest|render|analytics)$': path.join(root, 'apps/$1/src/index.ts'),
  },
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
});
