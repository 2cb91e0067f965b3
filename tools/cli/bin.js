#!/usr/bin/env node
// `npx microscope …`: runs the TypeScript CLI through tsx, with the repository's path aliases.
const path = require('node:path');
process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, '..', '..', 'tsconfig.json');
require('tsx/cjs/api').register();
require('./main.ts');
