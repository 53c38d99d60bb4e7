// Starts the project's own tslab (node_modules/tslab, pinned in package.json) as a Jupyter kernel.
// Registered by kernel.json beside this file: Jupyter finds it through JUPYTER_PATH=<project>/.jupyter
// (./run exports it), so a fresh clone needs no `tslab install` (which fails with a project-local
// tslab). The kernel runs in the project root, like every stage, whatever folder the notebook is
// in: notebooks read data/warehouse.duckdb and import ./pipeline/lib/... relative to the root, and
// tslab compiles imported .ts files only under its working directory.
'use strict';
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..', '..');
process.chdir(root);
require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js')).main();
